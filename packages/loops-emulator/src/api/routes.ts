import { createContact, deleteContact, findContact, updateContact } from './contacts.js'
import type { ApiHandler } from './context.js'
import { sendEvent } from './events.js'
import {
  apiKey,
  createProperty,
  listMailingLists,
  listProperties,
  sendTransactional,
} from './team.js'

/** The Loops endpoints the emulator serves, by path under `/api` and method. */
export const ROUTES: Record<string, Record<string, ApiHandler>> = {
  '/v1/api-key': { GET: apiKey },
  '/v1/contacts/create': { POST: createContact },
  '/v1/contacts/update': { PUT: updateContact },
  '/v1/contacts/find': { GET: findContact },
  '/v1/contacts/delete': { POST: deleteContact },
  '/v1/contacts/properties': { GET: listProperties, POST: createProperty },
  '/v1/lists': { GET: listMailingLists },
  '/v1/events/send': { POST: sendEvent },
  '/v1/transactional': { POST: sendTransactional },
}
