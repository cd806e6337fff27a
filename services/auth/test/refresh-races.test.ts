import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setImmediate as tick } from 'node:timers/promises'
import { buildTestApp } from './helpers.js'

async function after (ticks: number, work: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < ticks; i++) await tick()
  await work()
}

/**
 * A token login (issuing a refresh-token family) racing a log out everywhere of the same user, started a
 * few event-loop turns apart in every combination. Whatever the interleaving, a family that can still be
 * refreshed afterwards must be listed in the user's index: otherwise no later log out everywhere could
 * reach it, and it would outlive every one of them.
 */
t.test('a token login racing log out everywhere never leaves a live family out of reach', async (t) => {
  const app = await buildTestApp(t)
  const listedFamilies = async (userId: string) =>
    (await app.redis.hkeys(`user:{${userId}}:index`)).filter((field) => field.startsWith('f:'))
  const tokenOf = (issued: unknown) => typeof issued === 'string' ? issued : (issued as { token: string }).token
  let survivors = 0
  let rounds = 0
  for (let login = 0; login < 6; login++) {
    for (let logout = 0; logout < 6; logout++) {
      const user = { id: randomUUID(), email: 'race@example.com', name: 'Race' }
      let token = ''
      await Promise.all([
        after(login, async () => { token = tokenOf(await app.refreshTokens.issue(user)) }),
        after(logout, async () => await app.refreshTokens.revokeAllForUser(user.id))
      ])
      rounds++
      const rotated = await app.refreshTokens.rotate(token)
      if (rotated === null) continue
      survivors++
      t.ok((await listedFamilies(user.id)).length > 0, `round ${rounds} (turns ${login}/${logout}): the surviving family is listed`)
      await app.refreshTokens.revokeAllForUser(user.id)
      t.equal(await app.refreshTokens.rotate(tokenOf(rotated)), null, 'and a second log out everywhere ends it')
    }
  }
  t.ok(survivors > 0 && survivors < rounds, `both outcomes happened: ${survivors} of ${rounds} logins survived`)
})
