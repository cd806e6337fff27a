import { DisplayName } from '@authpair/service-kit'
import { Type } from 'typebox'

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'trimmed and lower-cased before use' })
const PASSWORD_RULES = { minLength: 12, maxLength: 1024 }
export const Password = Type.String(PASSWORD_RULES)
export const Name = DisplayName

export const RegisterBody = Type.Object(
  { email: Email, password: Password, name: Name }, { additionalProperties: false }
)

export const UserView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String()
})

export const CredentialsBody = Type.Object({
  email: Email,
  // Any length is accepted at login (only registration enforces the policy), bounded against abuse.
  password: Type.String({ minLength: 1, maxLength: 1024 })
}, { additionalProperties: false })

export const ChangePasswordBody = Type.Object({
  // Any length, as at login: it is checked against the stored hash, not against today's rules.
  currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
  newPassword: Type.String({ ...PASSWORD_RULES, description: 'the registration rules apply, and it must differ from the current one' })
}, { additionalProperties: false })

export const DeleteAccountBody = Type.Object({
  password: Type.String({ minLength: 1, maxLength: 1024 })
}, { additionalProperties: false })

export const PasswordChangedReply = Type.Object({
  csrfToken: Type.String({ description: "the new session's CSRF token: the old one is void" })
}, {
  description: 'Password changed: the calling session continues under a new id (session call)',
  headers: { 'set-cookie': { type: 'string', description: 'the new session cookie, and a fresh device cookie' } }
})
