export { accountEventsKey, appendAccountEvent, decodeEvent, encodeEvent, ownedKeys, type AccountEvent } from './events.js'
export {
  AccountEventConsumer, type AccountEventConsumerOptions, type Backlog, type ConsumerLogger, type Outcome
} from './consumer.js'
