import type { ActionFunctionArgs } from '@remix-run/node';
import { codecAction, codecLoader } from '../temporal/codec-endpoint.server';

/**
 * The Temporal UI's remote codec: encrypts what staff type into the UI (a signal's input) with the
 * active payload key, so a workflow can read it (see codec-endpoint.server.ts).
 */
export function action(args: ActionFunctionArgs) {
  return codecAction(args, 'encode');
}

export function loader() {
  return codecLoader();
}
