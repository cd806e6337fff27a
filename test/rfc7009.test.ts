// RFC 7009 token revocation as a stock OAuth client sends it (form-encoded `token`), for both kinds of token.
import t from 'tap'
import { me, post, registerUser, startSystem, tokens } from './helpers.js'

const revokeForm = async (auth: string, fields: Record<string, string>) => await fetch(`${auth}/v1/tokens/revoke`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString()
})

t.test('token=<access token>: its jti is denied, the refresh family lives on', async (t) => {
  const system = await startSystem(t, { TOKEN_REVOCATION: 'denylist' })
  const pair = await tokens(system, await registerUser(system))
  const bearer = { authorization: `Bearer ${pair.access_token}` }
  t.equal((await me(system, bearer)).status, 200)
  t.equal((await revokeForm(system.auth, { token: pair.access_token, token_type_hint: 'access_token' })).status, 204)
  t.equal((await me(system, bearer)).status, 401, 'the access token is refused from then on')
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 201,
    'revoking an access token leaves its refresh family alone')
})

t.test('token=<refresh token>: the family ends; a wrong hint changes nothing; garbage is a 204 (RFC 7009)', async (t) => {
  const system = await startSystem(t, { TOKEN_REVOCATION: 'denylist' })
  const pair = await tokens(system, await registerUser(system))
  t.equal((await revokeForm(system.auth, { token: pair.refresh_token, token_type_hint: 'access_token' })).status, 204)
  t.equal((await post(`${system.auth}/v1/tokens/refresh`, { refresh_token: pair.refresh_token })).status, 401)
  t.equal((await revokeForm(system.auth, { token: 'eyJnot.a.token' })).status, 204, 'an unknown token: nothing to revoke')
  t.equal((await revokeForm(system.auth, {})).status, 400, 'no token at all')
})
