// No Docker engine runs here: compose.yaml and the Dockerfile are checked by parsing them, and what
// they would run is run as plain processes: the `pnpm deploy` output of each service (the image's
// /app), the compose init command, and Debian's nginx with the gateway's own configuration in front.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { freePort, sessionCookieOf, SHARED_REDIS_URL, uniquePrefix } from '@authpair/testing'
import { waitFor } from './helpers.js'

const root = fileURLToPath(new URL('../', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')
interface Service {
  image?: string
  build?: { dockerfile: string, args?: Record<string, string> }
  command?: string[] | string
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  deploy?: { replicas: number }
  profiles?: string[]
  stop_grace_period?: string
}
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service>, volumes: Record<string, unknown> }
const { redis, init, auth, profile, gateway, compare } = compose.services as Record<string, Service>

t.test('compose.yaml: the whole system, as the deployment issue asks', async (t) => {
  t.match(redis?.command, ['redis-server', '--appendonly', 'yes'], 'Redis persists (AOF)…')
  t.ok(redis?.volumes?.includes('redis-data:/data') && 'redis-data' in compose.volumes, '…on a named volume')
  t.ok(redis?.healthcheck?.test.includes('ping'), 'and has a healthcheck')
  for (const [name, service] of [['auth', auth], ['profile', profile]] as const) {
    t.equal(service?.build?.dockerfile, 'infra/docker/Dockerfile', `${name} is built from the multi-stage Dockerfile`)
    t.equal(service?.build?.args?.SERVICE, name)
    t.equal(service?.depends_on?.redis?.condition, 'service_healthy', `${name} waits for Redis to be healthy`)
    t.match(service?.healthcheck?.test.join(' '), /readyz/, `${name} has a healthcheck`)
    t.ok(service?.volumes?.includes('secrets:/run/authpair:ro'), `${name} gets keys and secret from a volume, read-only`)
    t.equal(service?.environment?.SESSION_SECRET_FILE, '/run/authpair/session-secret')
    t.notOk(service?.environment?.SESSION_SECRET, 'no secret in the file')
    t.ok(service?.stop_grace_period !== undefined, `${name} is given time to stop gracefully`)
  }
  t.equal(profile?.deploy?.replicas, 2, 'two profile replicas')
  t.same(auth?.ports, ['127.0.0.1:3001:3001'], 'published on this machine only: a client there may write its own X-Forwarded-For')
  t.same(profile?.ports, ['127.0.0.1:3002-3003:3002'], 'each replica published for curl, on this machine only')
  for (const service of [auth, profile]) t.equal(service?.environment?.TRUST_PROXY, '1', 'one trusted hop: the gateway')
  t.match(gateway?.image, /^nginx:/, 'the gateway is the official nginx image')
  t.same(gateway?.ports, ['8080:8080'])
  t.ok(gateway?.volumes?.some((volume) => volume.startsWith('./infra/nginx/gateway.conf:')))
  t.same(compare?.profiles, ['tools'], '`docker compose up` leaves load-compare out; `docker compose run --rm compare` runs it')
  t.match(compare?.command, ['node', 'dist/cli.js', '--auth-url', 'http://auth:3001', '--profile-url', 'http://profile:3002'])
})

t.test('the Dockerfile: multi-stage, pnpm deploy, non-root, no keys baked in', async (t) => {
  const dockerfile = read('infra/docker/Dockerfile')
  t.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage')
  t.match(dockerfile, /pnpm --filter "@authpair\/\$\{SERVICE\}" run build/, 'compiled in the build stage')
  t.match(dockerfile, /pnpm --filter "@authpair\/\$\{SERVICE\}" deploy --prod \/out/)
  t.match(dockerfile, /^ARG NODE_IMAGE=node:(2[4-9]|[3-9]\d)-/m, 'a current LTS (24 or newer)')
  const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  t.match(final, /^USER node$/m, 'the final stage runs as the unprivileged node user')
  t.match(final, /^CMD \["node", "--enable-source-maps", .*"dist\/server\.js"\]$/m, 'plain node on the compiled JavaScript')
  t.notMatch(final, /tsx/, 'no tsx at run time')
  t.match(final, /^HEALTHCHECK /m)
  t.match(final, /^EXPOSE /m)
  t.match(dockerfile, /^ARG SERVICE=auth$/m, 'a default SERVICE')
  t.notMatch(dockerfile, /\.keys|jwk\.json|SESSION_SECRET=/, 'no key or secret in the image')
  const ignored = read('.dockerignore').split('\n')
  t.ok(ignored.includes('.keys') && ignored.includes('**/node_modules'), '.keys and node_modules stay out of the build context')
})

t.test('what the images run, as plain processes: init, auth and two profiles from `pnpm deploy`, behind the nginx gateway', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'authpair-deploy-'))
  const children: ChildProcess[] = []
  t.teardown(() => {
    for (const child of children) child.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })
  // The image's build stage, step by step: compile, deploy, switch the packages to their compiled exports.
  for (const service of ['auth', 'profile']) {
    const built = spawnSync('pnpm', ['--filter', `@authpair/${service}`, 'run', 'build'], { cwd: root, encoding: 'utf8' })
    t.equal(built.status, 0, `pnpm build of ${service}: ${built.stdout.slice(-300)}`)
    const deployed = spawnSync('pnpm', ['--filter', `@authpair/${service}`, 'deploy', '--prod', join(dir, service)], { cwd: root, encoding: 'utf8' })
    t.equal(deployed.status, 0, `pnpm deploy of ${service}: ${deployed.stderr.slice(-300)}`)
    const switched = spawnSync(process.execPath, ['infra/docker/published-exports.mjs', join(dir, service)], { cwd: root, encoding: 'utf8' })
    t.equal(switched.status, 0, `compiled exports for ${service}: ${switched.stderr.slice(-300)}`)
    const shipped = spawnSync('sh', ['-c', 'find . -path ./node_modules/.pnpm -prune -o -name "*.ts" ! -name "*.d.ts" -print; ls node_modules/.pnpm | grep -E "^(tsx|esbuild|typescript|tap)@"'], {
      cwd: join(dir, service), encoding: 'utf8'
    }).stdout.trim()
    t.equal(shipped, '', `${service}: no TypeScript sources, tsx, esbuild, TypeScript or tap in what ships`)
  }

  // The compose init command, verbatim, with the volume at a temporary directory.
  const secrets = join(dir, 'secrets')
  const initCommand = (init?.command as string[])[2]?.replaceAll('/run/authpair', secrets) ?? ''
  spawnSync('mkdir', ['-p', secrets])
  for (let run = 0; run < 2; run++) {
    const initialised = spawnSync('sh', ['-c', initCommand], { cwd: join(dir, 'auth'), encoding: 'utf8' })
    t.equal(initialised.status, 0, `init run ${run + 1}: ${initialised.stderr.slice(-300)}`)
  }
  const keyFiles = spawnSync('sh', ['-c', `ls ${secrets}/keys/*.jwk.json | wc -l`], { encoding: 'utf8' }).stdout.trim()
  t.equal(keyFiles, '1', 'one signing key, not a new one per start')
  t.ok(readFileSync(join(secrets, 'session-secret'), 'utf8').length >= 32, 'a session secret')

  const prefix = uniquePrefix('deploy')
  const ports = { auth: await freePort(), profiles: [await freePort(), await freePort()], gateway: await freePort() }
  const start = (service: string, env: Record<string, string>) => {
    const environment = { ...(compose.services[service]?.environment ?? {}), ...env }
    const resolved = Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value).replaceAll('/run/authpair', secrets)]))
    const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.js'], {
      cwd: join(dir, service), stdio: 'ignore', env: { ...process.env, ...resolved, NODE_ENV: 'production', HOST: '127.0.0.1', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'warn' }
    })
    children.push(child)
  }
  start('auth', { PORT: String(ports.auth), LOGIN_LIMIT_PER_IP: '3' })
  for (const port of ports.profiles) start('profile', { PORT: String(port), AUTH_URL: `http://127.0.0.1:${ports.auth}` })
  for (const port of [ports.auth, ...ports.profiles]) {
    t.ok(await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200, 20_000), `port ${port} is ready in production mode`)
  }

  t.test('through the gateway: one origin, routed by path', { skip: existsSync('/usr/sbin/nginx') ? false : 'nginx not installed (.ci/run installs it)' }, async (t) => {
    const conf = read('infra/nginx/gateway.conf')
      .replace('server auth:3001;', `server 127.0.0.1:${ports.auth};`)
      .replace('server profile:3002;', ports.profiles.map((port) => `server 127.0.0.1:${port};`).join('\n    '))
      .replace('listen 8080;', `listen 127.0.0.1:${ports.gateway};`)
    writeFileSync(join(dir, 'nginx.conf'), `error_log stderr warn; pid ${dir}/nginx.pid; worker_processes 1;
events {}
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${conf}
}
`)
    const nginx = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' })
    children.push(nginx)
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`
    t.ok(await waitFor(async () => (await fetch(`${gatewayUrl}/healthz`).catch(() => null))?.status === 200), 'the gateway is up')

    const email = `gateway.${process.pid}@example.com`
    const json = { 'content-type': 'application/json' }
    const body = JSON.stringify({ email, password: 'correct horse battery staple' })
    t.equal((await fetch(`${gatewayUrl}/v1/users`, { method: 'POST', headers: json, body: JSON.stringify({ email, password: 'correct horse battery staple', name: 'Gate' }) })).status, 201)
    const login = await fetch(`${gatewayUrl}/v1/sessions`, { method: 'POST', headers: json, body })
    t.equal(login.status, 201)
    const cookie = sessionCookieOf(login)
    const pair = await (await fetch(`${gatewayUrl}/v1/tokens`, { method: 'POST', headers: json, body })).json() as { access_token: string }
    for (let i = 0; i < 4; i++) { // both replicas, by round robin
      t.match(await (await fetch(`${gatewayUrl}/v1/me`, { headers: { cookie } })).json(), { email, name: 'Gate', auth: 'session' })
      t.equal((await fetch(`${gatewayUrl}/v1/me`, { headers: { authorization: `Bearer ${pair.access_token}` } })).status, 200)
    }
    t.equal((await fetch(`${gatewayUrl}/.well-known/jwks.json`)).status, 200, 'the JWKS through the gateway')

    // Clients on distinct addresses (127.0.0.2, 127.0.0.3), each writing its own X-Forwarded-For: the gateway
    // overwrites it, the services trust that one hop, so the per-address login limit sees each client.
    const wrongLogin = async (localAddress: string, forged: string) => await new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify({ email, password: 'not the password!' })
      const outgoing = request(`${gatewayUrl}/v1/sessions`, {
        method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'x-forwarded-for': forged }
      }, (answer) => { answer.resume(); resolve(answer.statusCode ?? 0) })
      outgoing.on('error', reject)
      outgoing.end(payload)
    })
    const first = []
    for (let i = 0; i < 4; i++) first.push(await wrongLogin('127.0.0.2', `203.0.113.${i}`))
    t.same(first, [401, 401, 401, 429], 'one client: limited after 3 failures, whatever it forges')
    t.equal(await wrongLogin('127.0.0.3', '127.0.0.2'), 401, 'another client behind the gateway is not')

    for (const path of ['/metrics', '/docs', '/docs/json', '/bench/bare']) {
      t.equal((await fetch(`${gatewayUrl}${path}`)).status, 404, `${path} is not exposed by the gateway`)
    }
  })
})

/**
 * `kubectl kustomize infra/k8s`, for the parts this base uses (resources, namespace, configMapGenerator,
 * images), without the Helm chart (no Helm here: the Redis chart is rendered by kustomize --enable-helm).
 */
function renderKustomization (): Array<Record<string, any>> {
  const load = (file: string) => read(`infra/k8s/${file}`).split(/^---$/m).map((doc) => parse(doc) as Record<string, any>).filter(Boolean)
  const kustomization = load('kustomization.yaml')[0] as Record<string, any>
  const images = new Map((kustomization.images as Array<{ name: string, newName: string, newTag: string }>)
    .map((image) => [image.name, `${image.newName}:${image.newTag}`]))
  const objects = (kustomization.resources as string[]).flatMap(load)
  for (const generator of kustomization.configMapGenerator as Array<{ name: string, literals: string[] }>) {
    const data = Object.fromEntries(generator.literals.map((literal) => [literal.slice(0, literal.indexOf('=')), literal.slice(literal.indexOf('=') + 1)]))
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data })
  }
  for (const object of objects) {
    if (object.kind !== 'Namespace') object.metadata.namespace = kustomization.namespace
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      container.image = images.get(container.image) ?? container.image
    }
  }
  return objects
}

const MODELS: Record<string, () => Promise<new (data: any) => { validate: () => void }>> = {
  'v1/Namespace': async () => (await import('kubernetes-models/v1/Namespace')).Namespace,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': async () => (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': async () => (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy
}

t.test('Kubernetes (kustomize): every object valid against the Kubernetes schemas, hardened, and as documented', async (t) => {
  const objects = renderKustomization()
  for (const object of objects) {
    const Model = await MODELS[`${object.apiVersion}/${object.kind}`]?.()
    t.ok(Model, `${object.kind} ${object.metadata.name}: a known kind`)
    if (Model !== undefined) t.doesNotThrow(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}: valid`)
  }
  const find = (kind: string, name: string) =>
    objects.find((object) => object.kind === kind && object.metadata.name === name)
  for (const name of ['auth', 'profile']) {
    const deployment = find('Deployment', name)
    const pod = deployment?.spec.template.spec
    const container = pod?.containers[0]
    t.equal(container.readinessProbe.httpGet.path, '/readyz', `${name}: readiness probe`)
    t.equal(container.livenessProbe.httpGet.path, '/healthz', `${name}: liveness probe`)
    t.ok(container.startupProbe?.httpGet, `${name}: startup probe`)
    t.ok(container.resources.requests.cpu !== undefined && container.resources.limits.memory !== undefined, `${name}: resources`)
    t.match(container.securityContext, {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' }
    }, `${name}: hardened container`)
    t.ok(pod.volumes.some((volume: any) => volume.secret?.secretName === 'authpair-secrets'), `${name}: secrets from a Secret`)
    t.ok(container.env.some((variable: any) => variable.name === 'REDIS_PASSWORD_FILE'), `${name}: the Redis password from a Secret`)
    t.ok(objects.some((object) => object.kind === 'PodDisruptionBudget' && object.spec.selector.matchLabels['app.kubernetes.io/name'] === name),
      `${name}: a PodDisruptionBudget`)
  }
  const auth = find('Deployment', 'auth')?.spec.template.spec
  t.ok(auth.containers[0].env.some((variable: any) => variable.name === 'JWT_PRIVATE_KEYS_FILE'), 'auth reads its keys as one JWK set')
  t.same(auth.volumes.find((volume: any) => volume.name === 'secrets').secret.items.map((item: any) => item.key).sort(), ['session-secret', 'signing-keys'])
  const config = find('ConfigMap', 'authpair-config')?.data
  t.match(config, { JWT_ISSUER: /^https:\/\//, TRUST_PROXY: '1', TOKEN_REVOCATION: 'push' }, 'the shared configuration')
  const policy = objects.find((object) => object.kind === 'NetworkPolicy')
  t.same(policy?.spec.podSelector.matchLabels, { 'app.kubernetes.io/name': 'redis' }, 'a NetworkPolicy guards Redis')
  t.equal(find('HorizontalPodAutoscaler', 'profile')?.spec.scaleTargetRef.name, 'profile')
  const chart = (parse(read('infra/k8s/kustomization.yaml')) as { helmCharts: Array<{ name: string, valuesInline: any }> }).helmCharts[0]
  t.match(chart, { name: 'redis', valuesInline: { auth: { enabled: true, existingSecret: 'authpair-redis' } } }, 'Redis from the chart, with a password')
})
