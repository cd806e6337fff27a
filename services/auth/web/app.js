// The page's only script: calls the API on this origin and writes what happened. The session cookie
// is never visible here (HttpOnly); the CSRF token and the tokens live in memory only.
const state = { email: '', password: '', csrfToken: '', access: '', refresh: '' }
const log = document.getElementById('log')

function show (label, response, body) {
  const item = document.createElement('li')
  const refused = response.status >= 400
  item.className = refused ? 'refused' : 'ok'
  item.dataset.status = String(response.status)
  item.dataset.label = label
  item.textContent = `${label}: ${response.status} ${body === '' ? '' : JSON.stringify(body)}`
  log.prepend(item)
}

async function call (label, path, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  let parsed = text
  try { parsed = JSON.parse(text) } catch {}
  show(label, response, parsed)
  return { response, body: parsed }
}

const credentials = () => ({ email: state.email, password: state.password })
const bearer = () => ({ authorization: `Bearer ${state.access}` })
const on = (id, handler) => document.getElementById(id).addEventListener('click', handler)

document.getElementById('register').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  state.email = form.get('email')
  state.password = form.get('password')
  await call('register', '/v1/users', { method: 'POST', body: { email: state.email, password: state.password, name: form.get('name') } })
})

on('session-login', async () => {
  const { response, body } = await call('session login', '/v1/sessions', { method: 'POST', body: credentials() })
  if (response.ok) state.csrfToken = body.csrfToken
})
on('session-me', async () => { await call('GET /v1/me with the cookie', '/v1/me') })
on('session-logout', async () => { await call('log out', '/v1/sessions/current', { method: 'DELETE' }) })

on('token-login', async () => {
  const { response, body } = await call('token login', '/v1/tokens', { method: 'POST', body: credentials() })
  if (response.ok) Object.assign(state, { access: body.access_token, refresh: body.refresh_token })
})
on('token-me', async () => { await call('GET /v1/me with the token', '/v1/me', { headers: bearer() }) })
on('token-revoke', async () => {
  await call('revoke the token', '/v1/tokens/revoke', { method: 'POST', body: { refresh_token: state.refresh }, headers: bearer() })
})

document.getElementById('profile').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const changes = {}
  for (const field of ['name', 'bio']) if (form.get(field) !== '') changes[field] = form.get(field)
  const headers = form.get('via') === 'token' ? bearer() : { 'x-csrf-token': state.csrfToken }
  await call(`PATCH /v1/profile with the ${form.get('via')}`, '/v1/profile', { method: 'PATCH', body: changes, headers })
})

/** The credential the account forms send: the cookie with its CSRF token, or the access token. */
function accountCredential () {
  const via = document.querySelector('[name=account-via]:checked').value
  return { via, headers: via === 'token' ? bearer() : { 'x-csrf-token': state.csrfToken } }
}

document.getElementById('change-password').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const { via, headers } = accountCredential()
  const body = { currentPassword: form.get('currentPassword'), newPassword: form.get('newPassword') }
  const answer = await call(`change the password with the ${via}`, '/v1/users/me/password', { method: 'PUT', body, headers })
  if (!answer.response.ok) return
  state.password = body.newPassword
  // A session call continues under a new session id (the browser got the cookie) with a new CSRF token; a token
  // call gets a fresh pair: whatever this page held before is revoked.
  if (via === 'session') state.csrfToken = answer.body.csrfToken
  else Object.assign(state, { access: answer.body.access_token, refresh: answer.body.refresh_token })
})

document.getElementById('delete-account').addEventListener('submit', async (event) => {
  event.preventDefault()
  const { via, headers } = accountCredential()
  const body = { password: new FormData(event.target).get('password') }
  await call(`delete the account with the ${via}`, '/v1/users/me', { method: 'DELETE', body, headers })
})

fetch('/report', { method: 'HEAD' }).then((response) => { document.getElementById('report-link').hidden = !response.ok }, () => {})
