import { Type } from 'typebox'
import { UserView } from './users.js'

const IsoTime = Type.String({ format: 'date-time' })

export const SessionLoginReply = Type.Object({
  user: UserView,
  expiresAt: Type.String({ format: 'date-time', description: 'absolute deadline; inactivity (SESSION_IDLE_TTL) ends it sooner' }),
  csrfToken: Type.String({ description: 'send as x-csrf-token on state-changing cookie requests' })
}, {
  description: 'Logged in',
  headers: {
    'set-cookie': {
      type: 'string',
      description: 'the session cookie (`sid`, or `__Host-sid` when Secure: signed, HttpOnly, SameSite=Lax, Path=/) ' +
        'and the device cookie (`did`: signed, HttpOnly, SameSite=Strict, one year)'
    }
  }
})

export const SessionView = Type.Object({
  id: Type.String({ description: 'public handle of the session (not the cookie value)' }),
  createdAt: IsoTime,
  lastSeenAt: IsoTime,
  userAgent: Type.String(),
  ip: Type.String(),
  current: Type.Boolean()
})

export const SessionList = Type.Object({ sessions: Type.Array(SessionView) })

export const SessionIdParams = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
})

export const CsrfHeader = Type.Object({
  'x-csrf-token': Type.Optional(Type.String({ maxLength: 256 }))
})
