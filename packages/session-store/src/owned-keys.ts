import { sessionKey } from './record.js'
import { familyKey, spentKey } from './refresh-families.js'
import { indexKey } from './user-index.js'

/**
 * The keys this package owns, spelled by its own key builders with placeholders (as the README's key table
 * names them, checked by a test): sessions, the per-user index, refresh-token families.
 */
export const ownedKeys: readonly string[] = [
  sessionKey('<session id>'),
  indexKey('<user id>'),
  familyKey('<user id>', '<family>'),
  spentKey('<user id>', '<family>')
]
