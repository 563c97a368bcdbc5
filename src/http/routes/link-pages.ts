/**
 * The pages behind the links in account mails, for deployments without their own front end for
 * them. A `GET` of a link only serves a page: mail scanners and link previews fetch links, and a
 * fetch must never use the one-time token. The page asks the person to confirm (and, for a reset,
 * for the new password); its script then `POST`s the token, read from the fragment (`#token=…`,
 * which no server or log ever sees), to the same path.
 *
 * Strict CSP: no inline script or style, scripts from this origin only, no framing, no forms
 * posted anywhere (the script sends JSON with `fetch`).
 */
import type { FastifyReply } from 'fastify'

export type LinkPageKind = 'password_reset' | 'email_verify' | 'email_change_confirm' | 'email_change_cancel'

export const LINK_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; style-src 'self'; " +
  "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

const PAGES: Record<LinkPageKind, { title: string; intro: string; fields: string; button: string }> = {
  password_reset: {
    title: 'Choose a new password',
    intro: 'Enter the new password for your account. Every device signed in to it will be signed out.',
    fields:
      '<p><label>New password<br><input type="password" name="new_password" autocomplete="new-password" required></label></p>' +
      '<p><label>New password again<br><input type="password" name="new_password_again" autocomplete="new-password" required></label></p>',
    button: 'Set the new password',
  },
  email_verify: {
    title: 'Confirm your e-mail address',
    intro: 'Confirm that this address is yours.',
    fields: '',
    button: 'Confirm my address',
  },
  email_change_confirm: {
    title: 'Confirm your new e-mail address',
    intro: 'Confirm that your account should use this address from now on.',
    fields: '',
    button: 'Confirm the change',
  },
  email_change_cancel: {
    title: 'Cancel the e-mail change',
    intro:
      'Cancel the change of your account address. If it was already confirmed, your old address is restored and every device is signed out.',
    fields: '',
    button: 'Cancel the change',
  },
}

/** The page's HTML; `scriptPath` is where `LINK_PAGE_SCRIPT` is served. */
export function linkPageHtml(kind: LinkPageKind, scriptPath: string): string {
  const page = PAGES[kind]
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${page.title}</title>
<script src="${scriptPath}" defer></script></head>
<body><main><h1>${page.title}</h1><p>${page.intro}</p>
<form data-link-form>${page.fields}<p><button type="submit">${page.button}</button></p></form>
<p id="result" role="status"></p></main></body></html>
`
}

/** Reads the token from the fragment, forgets it from the address bar, and posts it on submit. */
export const LINK_PAGE_SCRIPT = `'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const form = document.querySelector('form[data-link-form]');
  const result = document.getElementById('result');
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  if (!token) {
    result.textContent = 'This link is incomplete: open the whole link from the mail.';
    form.hidden = true;
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { token };
    const password = form.elements.namedItem('new_password');
    if (password) {
      if (password.value !== form.elements.namedItem('new_password_again').value) {
        result.textContent = 'The two passwords differ.';
        return;
      }
      body.new_password = password.value;
    }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const response = await fetch(location.pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        credentials: 'omit',
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) {
        result.textContent = data.detail || 'Done.';
        form.hidden = true;
        return;
      }
      result.textContent = data.detail || Object.values(data).flat().join(' ') || 'Something went wrong.';
    } catch {
      result.textContent = 'The server could not be reached; try again.';
    }
    button.disabled = false;
  });
});
`

/** Headers of the page and its script: nothing cached, nothing framed, no referrer. */
export function setLinkPageHeaders(reply: FastifyReply, type: string): void {
  reply.header('content-type', type)
  reply.header('content-security-policy', LINK_PAGE_CSP)
  reply.header('x-frame-options', 'DENY')
  reply.header('referrer-policy', 'no-referrer')
  reply.header('cache-control', 'no-store')
}
