/**
 * Mail templates: a subject, a text body and an HTML body per kind of mail, built in and
 * overridable file by file from `EMAIL_TEMPLATES_DIR` (`<name>.subject.txt`, `<name>.txt`,
 * `<name>.html`). `{{variable}}` is replaced by its value; in HTML the value is escaped, so an
 * address or a username can never become markup. An override that names a variable its mail does
 * not have is refused at startup, not sent with a hole in it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SettingsError } from '../core/errors.js'

/** Each kind of mail, with the variables its templates may use. */
export const TEMPLATE_VARIABLES = {
  password_reset: ['username', 'email', 'link', 'valid_for'],
  email_verify: ['username', 'email', 'link', 'valid_for'],
  signup_existing: ['username', 'email'],
  email_change_confirm: ['username', 'email', 'link', 'valid_for', 'old_email'],
  email_change_notice: ['username', 'email', 'new_email', 'cancel_link', 'valid_for'],
  mfa_changed: ['username', 'email', 'change'],
} as const satisfies Record<string, readonly string[]>

export type TemplateName = keyof typeof TEMPLATE_VARIABLES
export const TEMPLATE_NAMES = Object.keys(TEMPLATE_VARIABLES) as TemplateName[]

export interface Template {
  subject: string
  text: string
  html: string
}

export interface RenderedMail {
  subject: string
  text: string
  html: string
}

const html = (title: string, body: string) =>
  `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5"><h2>${title}</h2>${body}</body></html>\n`
const button = (variable: string, label: string) =>
  `<p><a href="{{${variable}}}">${label}</a></p><p>Or copy this address into your browser:<br>{{${variable}}}</p>`

const BUILT_IN: Record<TemplateName, Template> = {
  password_reset: {
    subject: 'Reset your password',
    text: 'Hello {{username}},\n\nSomeone (hopefully you) asked to reset the password of your account. To choose a new one, open this link within {{valid_for}}:\n\n{{link}}\n\nIf you did not ask for this, ignore this mail: your password stays as it is.\n',
    html: html(
      'Reset your password',
      '<p>Hello {{username}},</p><p>Someone (hopefully you) asked to reset the password of your account. To choose a new one, open this link within {{valid_for}}:</p>' +
        button('link', 'Choose a new password') +
        '<p>If you did not ask for this, ignore this mail: your password stays as it is.</p>',
    ),
  },
  email_verify: {
    subject: 'Confirm your e-mail address',
    text: 'Hello {{username}},\n\nPlease confirm that {{email}} is your address by opening this link within {{valid_for}}:\n\n{{link}}\n\nIf you did not create an account, ignore this mail.\n',
    html: html(
      'Confirm your e-mail address',
      '<p>Hello {{username}},</p><p>Please confirm that {{email}} is your address by opening this link within {{valid_for}}:</p>' +
        button('link', 'Confirm my address') +
        '<p>If you did not create an account, ignore this mail.</p>',
    ),
  },
  signup_existing: {
    subject: 'Someone tried to sign up with your address',
    text: 'Hello {{username}},\n\nSomeone tried to create an account with {{email}}, which already belongs to your account. No new account was made.\n\nIf it was you: you can log in as {{username}}, or ask for a password reset if you forgot your password. If it was not you, you need not do anything.\n',
    html: html(
      'Someone tried to sign up with your address',
      '<p>Hello {{username}},</p><p>Someone tried to create an account with {{email}}, which already belongs to your account. No new account was made.</p><p>If it was you: you can log in as {{username}}, or ask for a password reset if you forgot your password. If it was not you, you need not do anything.</p>',
    ),
  },
  email_change_confirm: {
    subject: 'Confirm your new e-mail address',
    text: 'Hello {{username}},\n\nYou asked to change the address of your account from {{old_email}} to {{email}}. To confirm it, open this link within {{valid_for}}:\n\n{{link}}\n\nUntil then your account keeps its current address. If you did not ask for this, ignore this mail.\n',
    html: html(
      'Confirm your new e-mail address',
      '<p>Hello {{username}},</p><p>You asked to change the address of your account from {{old_email}} to {{email}}. To confirm it, open this link within {{valid_for}}:</p>' +
        button('link', 'Confirm my new address') +
        '<p>Until then your account keeps its current address. If you did not ask for this, ignore this mail.</p>',
    ),
  },
  email_change_notice: {
    subject: 'Your e-mail address is being changed',
    text: 'Hello {{username}},\n\nSomeone asked to change the address of your account from {{email}} to {{new_email}}. The change applies once it is confirmed from the new address.\n\nIf this was not you, cancel it with this link (it works for {{valid_for}}, even after the change was confirmed; it also signs out every session):\n\n{{cancel_link}}\n',
    html: html(
      'Your e-mail address is being changed',
      '<p>Hello {{username}},</p><p>Someone asked to change the address of your account from {{email}} to {{new_email}}. The change applies once it is confirmed from the new address.</p><p>If this was not you, cancel it with this link (it works for {{valid_for}}, even after the change was confirmed; it also signs out every session):</p>' +
        button('cancel_link', 'Cancel the change'),
    ),
  },
  mfa_changed: {
    subject: 'The second factors of your account changed',
    text: 'Hello {{username}},\n\n{{change}}\n\nIf this was not you, reset your password at once and contact support: someone may have access to your account.\n',
    html: html(
      'The second factors of your account changed',
      '<p>Hello {{username}},</p><p>{{change}}</p><p>If this was not you, reset your password at once and contact support: someone may have access to your account.</p>',
    ),
  },
}

const VARIABLE = /\{\{\s*([a-z_]+)\s*\}\}/g

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The templates in use: the built-in ones, with the operator's files where there are some. */
export class MailTemplates {
  readonly #templates: Record<TemplateName, Template>

  private constructor(templates: Record<TemplateName, Template>) {
    this.#templates = templates
  }

  /** @throws SettingsError for an override that uses a variable its mail does not have. */
  static load(dir: string | null): MailTemplates {
    const templates = { ...BUILT_IN }
    if (dir === null) return new MailTemplates(templates)
    if (!existsSync(dir)) throw new SettingsError('EMAIL_TEMPLATES_DIR', `${dir} does not exist`)
    for (const name of TEMPLATE_NAMES) {
      const read = (suffix: string): string | undefined => {
        const path = join(dir, `${name}${suffix}`)
        if (!existsSync(path)) return undefined
        const content = readFileSync(path, 'utf8')
        for (const match of content.matchAll(VARIABLE)) {
          const variable = match[1] as string
          if (!(TEMPLATE_VARIABLES[name] as readonly string[]).includes(variable)) {
            throw new SettingsError(
              'EMAIL_TEMPLATES_DIR',
              `${name}${suffix} uses {{${variable}}}; this mail has ${TEMPLATE_VARIABLES[name].join(', ')}`,
            )
          }
        }
        return content
      }
      const subject = read('.subject.txt')
      templates[name] = {
        subject: subject === undefined ? BUILT_IN[name].subject : (subject.split('\n')[0] ?? '').trim(),
        text: read('.txt') ?? BUILT_IN[name].text,
        html: read('.html') ?? BUILT_IN[name].html,
      }
    }
    return new MailTemplates(templates)
  }

  render(name: TemplateName, variables: Readonly<Record<string, string>>): RenderedMail {
    const template = this.#templates[name]
    const fill = (source: string, encode: (value: string) => string) =>
      source.replace(VARIABLE, (_, variable: string) => encode(variables[variable] ?? ''))
    return {
      // A header: no line breaks, whatever a variable holds.
      subject: fill(template.subject, (value) => value).replace(/[\r\n]+/g, ' '),
      text: fill(template.text, (value) => value),
      html: fill(template.html, escapeHtml),
    }
  }
}
