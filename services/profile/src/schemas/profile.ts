import { DisplayName, DisplayText } from '@authpair/service-kit'
import { Type } from 'typebox'

const Auth = Type.Union([Type.Literal('token'), Type.Literal('session')])

export const Me = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), auth: Auth })

export const ProfileView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  bio: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  auth: Auth
})

export const ProfilePatch = Type.Object({
  name: Type.Optional(DisplayName),
  bio: Type.Optional(DisplayText(2000))
}, { additionalProperties: false, minProperties: 1 })
