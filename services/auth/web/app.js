// The page's only script: calls the API on this origin and writes what happened. The session cookie
// is never visible here (HttpOnly); the CSRF token and the tokens live in memory only.
const state = { csrfToken: '', access: '', refresh: '', revocation: '' }

/** What a revoked token does in the profile service's mode, in words. */
const REVOKED = {
  off: (expires) => `still accepted until ${expires}, then refused: nothing is checked before exp`,
  denylist: () => 'refused at once: every token request asks Redis whether it is revoked',
  push: () => 'refused within milliseconds: revocations are pushed to the profile service\'s memory'
}
const log = document.getElementById('log')

let entries = 0

/** Tokens are long: the log shows their start and length (the page keeps the whole token in memory). */
function shorten (value) {
  if (typeof value === 'string') return value.length > 40 ? `${value.slice(0, 16)}…(${value.length} chars)` : value
  if (Array.isArray(value)) return value.map(shorten)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shorten(inner)]))
  return value
}

function show (label, response, body) {
  const item = document.createElement('li')
  const refused = response.status >= 400
  item.className = refused ? 'refused' : 'ok'
  item.dataset.status = String(response.status)
  item.dataset.label = label
  item.textContent = `#${++entries} ${label}: ${response.status} ${body === '' ? '' : JSON.stringify(shorten(body))}`
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

const loginForm = document.getElementById('login')
const credentials = () => ({ email: loginForm.elements.email.value, password: loginForm.elements.password.value })
/** What the page knows of the credentials goes to the login form, where the visitor can change it. */
function remember (email, password) {
  loginForm.elements.email.value = email
  loginForm.elements.password.value = password
}
const bearer = () => ({ authorization: `Bearer ${state.access}` })
const on = (id, handler) => document.getElementById(id).addEventListener('click', handler)

/** Keeps a token pair, and says when its access token expires (its `exp` claim): until then it works without Redis. */
function holdTokens (pair) {
  Object.assign(state, { access: pair.access_token, refresh: pair.refresh_token })
  const payload = JSON.parse(atob(pair.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
  const expires = new Date(payload.exp * 1000).toLocaleTimeString()
  const revoked = REVOKED[state.revocation]?.(expires) ?? 'refused at once only where the profile service checks revocations'
  document.getElementById('token-expiry').textContent = `This access token expires at ${expires}. Revoked before then, it is ${revoked}.`
}

document.getElementById('register').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  remember(form.get('email'), form.get('password'))
  await call('register', '/v1/users', { method: 'POST', body: { ...credentials(), name: form.get('name') } })
})

on('session-login', async () => {
  const { response, body } = await call('session login', '/v1/sessions', { method: 'POST', body: credentials() })
  if (response.ok) state.csrfToken = body.csrfToken
})
on('session-me', async () => { await call('GET /v1/me with the cookie', '/v1/me') })
on('session-logout', async () => { await call('log out', '/v1/sessions/current', { method: 'DELETE' }) })

on('token-login', async () => {
  const { response, body } = await call('token login', '/v1/tokens', { method: 'POST', body: credentials() })
  if (response.ok) holdTokens(body)
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
  remember(credentials().email, body.newPassword)
  // A session call continues under a new session id (the browser got the cookie) with a new CSRF token; a token
  // call gets a fresh pair: whatever this page held before is revoked.
  if (via === 'session') state.csrfToken = answer.body.csrfToken
  else holdTokens(answer.body)
})

document.getElementById('delete-account').addEventListener('submit', async (event) => {
  event.preventDefault()
  const { via, headers } = accountCredential()
  const body = { password: new FormData(event.target).get('password') }
  await call(`delete the account with the ${via}`, '/v1/users/me', { method: 'DELETE', body, headers })
})

// Which trade-off the profile service runs here: the page explains what a logout or a revocation will do.
fetch('/v1/verification').then(async (response) => {
  if (!response.ok) return
  const modes = await response.json()
  state.revocation = modes.tokenRevocation
  const sessions = modes.sessionCache === 'tracking'
    ? 'sessions are served from memory, and Redis tells the profile service of every logout'
    : 'every session request reads Redis once'
  document.getElementById('modes').textContent = `The profile service here runs TOKEN_REVOCATION=${modes.tokenRevocation} and ` +
    `SESSION_CACHE=${modes.sessionCache}: ${sessions}; a revoked access token is ${REVOKED[modes.tokenRevocation]?.('its exp') ?? '?'}.`
}, () => {})

fetch('/report', { method: 'HEAD' }).then((response) => { document.getElementById('report-link').hidden = !response.ok }, () => {})
