import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { createServer } from 'node:http'
import t from 'tap'
import { freePort } from '@authpair/testing'
// eslint-disable-next-line import-x/no-relative-packages -- a script of the repository root, not a package
import { startGateway } from '../scripts/dev-gateway.mjs'
import { startSystem } from './helpers.js'

const CHROMIUM = '/usr/bin/chromium'

t.test('the web page, driven in headless Chromium', { skip: existsSync(CHROMIUM) ? false : 'Chromium not installed (.ci/run installs it)' }, async (t) => {
  const reportFile = join(t.testdir({ 'report.html': '<!doctype html><title>report</title><h1>load-compare report</h1>' }), 'report.html')
  const system = await startSystem(t, { REPORT_FILE: reportFile })
  const port = await freePort()
  const gateway = await startGateway({ port, auth: system.auth, profile: system.profile })
  t.teardown(() => { gateway.close() })
  const origin = `http://localhost:${port}`

  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('console', (message) => { if (message.type() === 'error' && !/401|404/.test(message.text())) errors.push(message.text()) })
  await page.goto(origin)

  /** Clicks, then waits for the page's own log line for that action and returns its status. */
  const act = async (label: string, action: () => Promise<void>): Promise<number> => {
    const before = await page.locator(`#log li[data-label="${label}"]`).count()
    await action()
    await page.waitForFunction(([label, before]) => document.querySelectorAll(`#log li[data-label="${label}"]`).length > Number(before), [label, before] as const)
    return Number(await page.locator(`#log li[data-label="${label}"]`).first().getAttribute('data-status'))
  }
  const click = (id: string) => async () => { await page.click(`#${id}`) }

  const email = `browser.${process.pid}@example.com`
  await page.fill('#register [name=email]', email)
  await page.fill('#register [name=password]', 'correct horse battery staple')
  await page.fill('#register [name=name]', 'Browser')
  t.equal(await act('register', async () => { await page.click('#register button') }), 201, 'registers')

  t.equal(await act('session login', click('session-login')), 201, 'logs in with a session')
  t.notMatch(await page.evaluate(() => document.cookie), /sid=/, 'the session cookie is invisible to the page (HttpOnly)')
  const sid = (await context.cookies(origin)).find((cookie) => cookie.name === 'sid')
  t.ok(sid?.httpOnly === true && sid.sameSite === 'Lax', 'though the browser holds it: HttpOnly, SameSite=Lax')
  t.equal(await act('GET /v1/me with the cookie', click('session-me')), 200, 'the profile service accepts the cookie')
  t.match(await page.locator('#log li').first().textContent(), /"auth":"session"/)

  t.equal(await act('token login', click('token-login')), 201, 'logs in for tokens')
  t.equal(await act('GET /v1/me with the token', click('token-me')), 200, 'the profile service accepts the token')
  await page.setViewportSize({ width: 1280, height: 900 })
  const layout = await page.$eval('html', (root) => ({ scroll: root.scrollWidth, client: root.clientWidth }))
  t.ok(layout.scroll <= layout.client, `a token in the log does not widen the page (${layout.scroll} ≤ ${layout.client} px)`)
  t.match(await page.locator('#token-expiry').textContent(), /^This access token expires at .+\. Revoked before then, it is still accepted until /,
    'the page says when the token expires, and what a revocation does in this mode')
  t.match(await page.locator('#modes').textContent(), /^The profile service here runs TOKEN_REVOCATION=off and SESSION_CACHE=off/, 'and which mode the profile service runs')

  await page.fill('#profile [name=bio]', 'hello from Chromium')
  t.equal(await act('PATCH /v1/profile with the session', async () => { await page.click('#profile button') }), 200, 'edits the profile with the cookie and CSRF token')
  await page.check('#profile [name=via][value=token]')
  t.equal(await act('PATCH /v1/profile with the token', async () => { await page.click('#profile button') }), 200, 'and with the token')

  t.equal(await act('log out', click('session-logout')), 204)
  t.equal(await act('GET /v1/me with the cookie', click('session-me')), 401, 'a logged-out session is refused at once')
  t.equal(await act('revoke the token', click('token-revoke')), 204)
  t.equal(await act('GET /v1/me with the token', click('token-me')), 200, 'a revoked token keeps working until it expires (TOKEN_REVOCATION=off)')

  // The account: change the password with the session, then delete the account with a token.
  t.equal(await act('session login', click('session-login')), 201)
  t.equal(await act('token login', click('token-login')), 201)
  await page.fill('#change-password [name=currentPassword]', 'correct horse battery staple')
  await page.fill('#change-password [name=newPassword]', 'a brand new passphrase')
  t.equal(await act('change the password with the session', async () => { await page.click('#change-password button') }), 200)
  t.equal(await act('GET /v1/me with the cookie', click('session-me')), 200, 'the session continues under its new id')
  t.equal(await act('token login', click('token-login')), 201, 'the new password logs in (the page keeps it)')
  await page.check('[name=account-via][value=token]')
  await page.fill('#delete-account [name=password]', 'a brand new passphrase')
  t.equal(await act('delete the account with the token', async () => { await page.click('#delete-account button') }), 204)
  t.equal(await act('GET /v1/me with the cookie', click('session-me')), 401, 'the deleted account\'s session is refused')
  t.equal(await act('token login', click('token-login')), 401, 'and it logs in no more')

  t.ok(await page.locator('#report-link').isVisible(), 'the latest load-compare report is linked')
  await page.click('#report-link')
  t.equal(await page.locator('h1').textContent(), 'load-compare report')

  t.test('a cross-site form POST does not carry the session cookie; a same-site one does', async (t) => {
    await page.goto(origin)
    await page.fill('#register [name=email]', email)
    await page.fill('#register [name=password]', 'correct horse battery staple')
    await page.fill('#register [name=name]', 'Browser')
    t.equal(await act('register', async () => { await page.click('#register button') }), 201, 'the email registers again: the account was deleted above')
    t.equal(await act('session login', click('session-login')), 201)
    const cookieSentTo = async (submitFrom: () => Promise<unknown>): Promise<string> => {
      const sent = page.waitForRequest((request) => request.url() === `${origin}/v1/users` && request.method() === 'POST')
      await submitFrom()
      return (await (await sent).allHeaders()).cookie ?? ''
    }
    const form = `<form id="f" method="POST" action="${origin}/v1/users" enctype="text/plain"><input name="a" value="b"></form>`
    t.match(await cookieSentTo(async () => await page.evaluate((html) => {
      document.body.insertAdjacentHTML('beforeend', html)
      ;(document.getElementById('f') as HTMLFormElement).submit()
    }, form)), /sid=/, 'control: a form on the same site carries the cookie')

    const attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html>${form}<script>document.getElementById('f').submit()</script>`)
    })
    const attackerPort = await freePort()
    await new Promise<void>((resolve) => attacker.listen(attackerPort, '127.0.0.1', resolve))
    t.teardown(() => { attacker.close() })
    // The attacker's page submits itself at once, so its own navigation is cut short by design.
    const attack = async () => await page.goto(`http://127.0.0.1:${attackerPort}/`).catch(() => null)
    t.notMatch(await cookieSentTo(attack), /sid=/, 'a form on another site does not (SameSite=Lax)')
  })
  t.same(errors, [], 'no script errors on the page')
})
