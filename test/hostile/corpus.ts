import { createHmac, createPrivateKey, createPublicKey, createSign, generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto'

/** One hostile request: which service it goes to, its bytes, and what kind of attack it is. */
export interface HostileRequest {
  service: 'auth' | 'profile'
  kind: string
  method: string
  bytes: Buffer
}

/** Small seeded PRNG (mulberry32): the same corpus on every run, so a failure can be replayed. */
function random (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

const HOSTILE_STRINGS: unknown[] = [
  '', ' ', '../../../etc/passwd', "' OR 1=1 --", '$' + '{jndi:ldap://x/a}', '<script>alert(1)</script>', 'a'.repeat(5000),
  '\u0000', '%00', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '\ud800', '\u202e', '🙂'.repeat(50),
  null, 0, -1, 1e308, true, [], {}, ['x'], { $gt: '' }, { __proto__: { admin: true } }
]

export interface CorpusKeys {
  /** The auth service's real signing key, for tokens that verify but carry hostile claims. */
  privateJwk: JsonWebKey & { kid?: string }
  issuer: string
  audience: string
}

interface Request { service: 'auth' | 'profile', method: string, path: string, headers: Array<[string, string | Buffer]>, body?: Buffer | string, kind: string }

function encode ({ method, path, headers, body }: Request, rawHead = false): Buffer {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close']
  const parts: Buffer[] = []
  for (const [name, value] of headers) parts.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]))
  const bodyBytes = body === undefined ? undefined : Buffer.from(body)
  if (bodyBytes !== undefined && !rawHead) head.push(`Content-Length: ${bodyBytes.length}`)
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n'), ...parts, Buffer.from('\r\n'), bodyBytes ?? Buffer.alloc(0)])
}

/** At least `size` hostile requests against both services, generated from `seed`. */
export function * hostileCorpus (keys: CorpusKeys, size: number, seed = 20261128): Generator<HostileRequest> {
  const rnd = random(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T
  const realKey = createPrivateKey({ key: keys.privateJwk, format: 'jwk' })
  const publicPem = createPublicKey(realKey).export({ type: 'spki', format: 'pem' }).toString()
  const attackerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  const realKid = keys.privateJwk.kid ?? ''
  const now = Math.floor(Date.now() / 1000)

  const claims = (): Record<string, unknown> => {
    const base: Record<string, unknown> = { sub: randomUUID(), email: 'h@example.com', name: 'H', jti: randomUUID(), iss: keys.issuer, aud: keys.audience, iat: now, exp: now + 600 }
    const mutations = Math.floor(rnd() * 3)
    for (let i = 0; i < mutations; i++) {
      const field = pick(['sub', 'email', 'name', 'jti', 'iss', 'aud', 'iat', 'exp', 'nbf', 'extra'])
      base[field] = field === 'extra' ? 'x'.repeat(Math.floor(rnd() * 20000)) : pick([...HOSTILE_STRINGS, now + 1e6, now - 1e6, 'tomorrow', [keys.audience, 'x']])
      if (rnd() < 0.2) delete base[field]
    }
    return base
  }
  const token = (): string => {
    const variant = Math.floor(rnd() * 9)
    const header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: realKid }
    if (variant === 0) header.alg = 'none'
    if (variant === 1) header.alg = 'HS256'
    if (variant === 2) header.kid = pick(HOSTILE_STRINGS)
    if (variant === 3) header.alg = pick(['ES256', 'EdDSA', 'RS512', 'PS256', 'HS512', 123, null, '', 'NONE', 'nOnE'])
    if (variant === 4) Object.assign(header, pick([{ jku: 'http://127.0.0.1:1/jwks' }, { x5u: 'http://evil/' }, { jwk: { kty: 'oct', k: 'AA' } }, { crit: ['exp'] }, { b64: false }]))
    if (variant === 5) delete header.kid
    const encodedHeader = variant === 6 ? pick([b64('not json'), b64('[1,2]'), '!!!', '', b64('{"alg":"RS256","kid":"' + realKid + '"')]) : b64(header)
    const payload = variant === 6 ? b64(claims()) : pick([b64(claims()), b64(claims()), b64('null'), b64('[]'), '%%%', b64('{"sub":')])
    const input = `${encodedHeader}.${payload}`
    let signature: string
    if (header.alg === 'none') signature = ''
    else if (header.alg === 'HS256') signature = createHmac('sha256', publicPem).update(input).digest('base64url')
    else if (variant === 7) signature = createSign('RSA-SHA256').update(input).sign(attackerKey).toString('base64url')
    else signature = createSign('RSA-SHA256').update(input).sign(realKey).toString('base64url')
    if (variant === 8) signature = pick([signature.slice(0, 10), signature + 'A', '****', signature.replace(/./g, 'A')])
    const segments = [encodedHeader, payload, signature]
    if (rnd() < 0.05) segments.push('extra')
    if (rnd() < 0.05) segments.pop()
    return segments.join('.')
  }
  const authorization = (): string | Buffer => pick([
    () => `Bearer ${token()}`, () => `Bearer ${token()}`, () => `Bearer ${token()}`, () => `bearer ${token()}`, () => 'Bearer',
    () => `Bearer  ${token()}`, () => `Basic ${b64('a:b')}`, () => `Bearer ${token()} ${token()}`, () => `Bearer ${'A'.repeat(9000)}`,
    () => Buffer.from([0x42, 0x65, 0x61, 0x72, 0x65, 0x72, 0x20, 0xff, 0xfe, 0xc0, 0xaf])
  ])()
  const cookie = (): string | Buffer => pick([
    () => `sid=${pick(['', 'garbage', 's%3Aabc.def', 's:abc.def', `s%3A${randomUUID()}.${'x'.repeat(43)}`, '%E0%A4%A', '"quoted"', 'a'.repeat(6000)])}`,
    () => 'sid=a; sid=b; sid=c', () => Array.from({ length: 300 }, (_, i) => `c${i}=v`).join('; '), () => '=', () => ';;;',
    () => Buffer.from([0x73, 0x69, 0x64, 0x3d, 0xff, 0xfe, 0x80]), () => `sid=${pick(HOSTILE_STRINGS.filter((x) => typeof x === 'string') as string[])}`
  ])()
  const json = (): string | Buffer => pick([
    () => JSON.stringify(Object.fromEntries(['email', 'password', 'name', 'refresh_token', 'bio'].filter(() => rnd() < 0.6).map((field) => [field, pick(HOSTILE_STRINGS)]))),
    () => '{"email":', () => "{'email':'a'}", () => '{"a":1,}', () => 'NaN', () => '/* c */ {}', () => 'null', () => '[]', () => '"x"', () => '', () => '1e309',
    () => '['.repeat(3000) + ']'.repeat(3000), () => '{"a":'.repeat(2000) + '1' + '}'.repeat(2000),
    () => JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { admin: true } } }).replace('{', '{"__proto__":{"admin":true},'),
    () => JSON.stringify({ name: 'x'.repeat(101) }), () => JSON.stringify({ bio: 'y'.repeat(2001) }), () => JSON.stringify({ bio: 'z'.repeat(50_000) }),
    () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0xed, 0xa0, 0x80]), Buffer.from('"}')]),
    () => JSON.stringify({ email: 'not-an-email', password: 'short' }), () => JSON.stringify({ refresh_token: pick(HOSTILE_STRINGS) }),
    () => JSON.stringify({ email: `${'a'.repeat(300)}@example.com`, password: 'p'.repeat(2000), name: 'n' })
  ])()
  const contentType = (): string => pick(['application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json, text/plain', 'application/vnd.api+json', 'application/xml', ''])

  const authRoutes: Array<[string, string]> = [['POST', '/v1/users'], ['POST', '/v1/sessions'], ['POST', '/v1/tokens'], ['POST', '/v1/tokens/refresh'], ['POST', '/v1/tokens/revoke'],
    ['GET', '/v1/sessions'], ['DELETE', '/v1/sessions/current'], ['DELETE', '/v1/sessions'], ['DELETE', `/v1/sessions/${randomUUID()}`], ['GET', '/.well-known/jwks.json']]
  const profileRoutes: Array<[string, string]> = [['GET', '/v1/me'], ['GET', '/v1/profile'], ['PATCH', '/v1/profile']]
  const pathTricks = (): string => pick(['/v1/../v1/me', '//v1/me', '/v1/me/', '/V1/ME', '/v1/me%00', '/v1/me;x=1', '/v1/sessions/..%2f..%2fetc', '/v1/sessions/%2e%2e',
    `/v1/sessions/${'x'.repeat(1000)}`, '/v1/sessions/%ZZ', '/%', '/v1/me?%', `/v1/me?${Array.from({ length: 500 }, (_, i) => `a${i}=${i}`).join('&')}`, 'http://evil.example/v1/me',
    '*', '/v1/me\u00e9', `/${'a/'.repeat(2000)}`, '/docs/../../etc/passwd', '/.well-known/../v1/users', '/v1/profile?__proto__[admin]=1', `/${'x'.repeat(20_000)}`])

  const kinds = ['token', 'token', 'token', 'scheme', 'cookie', 'cookie', 'json', 'json', 'json', 'content-type', 'path', 'path', 'method', 'flood'] as const
  for (let i = 0; i < size; i++) {
    const kind = pick(kinds)
    let request: Request
    let rawHead = false
    if (kind === 'token' || kind === 'scheme') {
      const [method, path] = pick([...profileRoutes, ['POST', '/v1/tokens/revoke'] as [string, string]])
      const service = path.startsWith('/v1/tokens') ? 'auth' : 'profile'
      const hasBody = method !== 'GET'
      request = { service, kind, method, path, headers: [['Authorization', kind === 'token' ? `Bearer ${token()}` : authorization()], ...(hasBody ? [['Content-Type', 'application/json'] as [string, string]] : [])], body: hasBody ? JSON.stringify(service === 'auth' ? { refresh_token: 'x' } : { bio: 'b' }) : undefined }
    } else if (kind === 'cookie') {
      const [method, path] = pick([...profileRoutes, ['GET', '/v1/sessions'], ['DELETE', '/v1/sessions/current'], ['DELETE', '/v1/sessions']] as Array<[string, string]>)
      request = { service: profileRoutes.some(([, p]) => p === path) ? 'profile' : 'auth', kind, method, path, headers: [['Cookie', cookie()], ['X-CSRF-Token', pick(['', 'x', 'a'.repeat(5000)])]], body: method === 'PATCH' ? '{"bio":"b"}' : undefined }
      if (method === 'PATCH') request.headers.push(['Content-Type', 'application/json'])
    } else if (kind === 'json' || kind === 'content-type') {
      const [method, path] = pick([...authRoutes.slice(0, 5), ['PATCH', '/v1/profile'] as [string, string]])
      const service = path === '/v1/profile' ? 'profile' : 'auth'
      const headers: Array<[string, string | Buffer]> = [['Content-Type', kind === 'json' ? 'application/json' : contentType()]]
      if (service === 'profile') headers.push(['Authorization', `Bearer ${token()}`])
      request = { service, kind, method, path, headers, body: kind === 'json' ? json() : pick(['a=1&b=2', '<x/>', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '{"bio":"b"}', Buffer.from([0xff, 0xfe, 0x7b, 0x00])]) }
    } else if (kind === 'path') {
      request = { service: rnd() < 0.5 ? 'auth' : 'profile', kind, method: pick(['GET', 'DELETE', 'POST', 'PATCH']), path: pathTricks(), headers: [] }
    } else if (kind === 'method') {
      const [, path] = pick([...authRoutes, ...profileRoutes])
      request = { service: profileRoutes.some(([, p]) => p === path) ? 'profile' : 'auth', kind, method: pick(['PUT', 'OPTIONS', 'TRACE', 'CONNECT', 'FOO', 'PROPFIND', 'get', 'DELETE', 'POST']), path, headers: [] }
    } else {
      const flood = Math.floor(rnd() * 6)
      const headers: Array<[string, string | Buffer]> = []
      if (flood === 0) for (let h = 0; h < 1500; h++) headers.push([`X-Flood-${h}`, 'v'])
      if (flood === 1) headers.push(['X-Big', 'b'.repeat(20_000)])
      if (flood === 2) headers.push(['Transfer-Encoding', 'chunked'], ['Content-Length', '5'])
      if (flood === 3) headers.push(['Transfer-Encoding', 'chunked'])
      if (flood === 4) headers.push(['Host', 'evil.example'], ['Content-Type', 'application/json'])
      if (flood === 5) headers.push([`X-${'n'.repeat(300)}`, Buffer.from([0x00, 0x0a, 0x0d])])
      rawHead = flood === 2 || flood === 3
      request = { service: rnd() < 0.5 ? 'auth' : 'profile', kind, method: 'POST', path: pick(['/v1/users', '/v1/profile', '/v1/tokens', '/v1/me']), headers, body: flood === 3 ? 'zz\r\nnot-a-chunk\r\n' : flood === 2 ? '0\r\n\r\nGET /v1/me HTTP/1.1\r\n\r\n' : '{}' }
    }
    yield { service: request.service, kind: request.kind, method: request.method, bytes: encode(request, rawHead) }
  }
}
