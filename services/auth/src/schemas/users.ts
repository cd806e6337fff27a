import { DisplayName } from '@authpair/service-kit'
import { Type } from 'typebox'

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'trimmed and lower-cased before use' })
export const Password = Type.String({ minLength: 12, maxLength: 1024 })
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
