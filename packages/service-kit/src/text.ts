import { Type } from 'typebox'

// Characters no display text needs and attackers love: C0 and C1 controls (terminal escapes, NUL, log
// injection) and the bidirectional marks and overrides that make text read differently than it is stored
// ("Trojan Source": RLO, LRI…PDI, ALM, LRM/RLM).
const BIDI = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069'
// Line and paragraph separators (a line break to JavaScript and JSON viewers, not to a log parser) and the
// invisible zero-width characters that make two names look alike (ZWSP, WORD JOINER, ZWNBSP/BOM). ZWNJ and
// ZWJ stay: Persian and Indic names and emoji sequences need them.
const INVISIBLE = '\\u2028\\u2029\\u200B\\u2060\\uFEFF'
const CONTROLS = '\\u0000-\\u001F\\u007F-\\u009F'
const CONTROLS_BUT_NEWLINE = '\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F'

/** A person's name as both services accept it: 1 to 100 characters, not blank, no controls or bidi overrides. */
export const DisplayName = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: `^[^${CONTROLS}${BIDI}${INVISIBLE}]*[^\\s${CONTROLS}${BIDI}${INVISIBLE}][^${CONTROLS}${BIDI}${INVISIBLE}]*$`,
  description: 'not blank; no control, bidirectional-override, line-separator or zero-width characters'
})

/** Free text of several lines: newlines allowed, other controls and bidi overrides refused. */
export const DisplayText = (maxLength: number) => Type.String({
  maxLength,
  pattern: `^[^${CONTROLS_BUT_NEWLINE}${BIDI}${INVISIBLE}]*$`,
  description: 'newlines allowed; no other control, bidirectional-override, line-separator or zero-width characters'
})
