// Every string in ReportData is untrusted (instance ids, labels, policy names and messages come from
// user files and provider responses), so it reaches the HTML only through this function.

import { redact } from '../log';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for an HTML element body or a quoted attribute value (the report quotes every
 * attribute), after removing credentials: messages may quote a provider's error text.
 */
export function escapeHtml(text: string): string {
  return redact(text).replace(/[&<>"']/g, (character) => ENTITIES[character] ?? character);
}
