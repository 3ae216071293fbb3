/**
 * Checks that an HTML report can load nothing: used by the report unit tests and the CLI must-show tests.
 * A small tokenizer over tags is enough because the report is generated; a hostile string that broke out of
 * its escaping would show up here as a tag or attribute of its own.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';

/** Elements that fetch, embed, run or navigate. */
const FORBIDDEN_TAGS = new Set(['script', 'link', 'img', 'image', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'form', 'input', 'button', 'audio', 'video', 'source', 'track', 'picture', 'svg', 'math', 'portal', 'a', 'area', 'use', 'noscript', 'template']);
/** The only attributes the report uses: none can name a URL, carry code or style (src, href, on*, style...). */
const ALLOWED_ATTRS = new Set(['class', 'lang', 'charset', 'http-equiv', 'content', 'name']);

export function assertNothingLoads(html: string): void {
  // One CSP meta, first thing in <head> after the charset, forbidding every load but the one style block.
  const csp = [...html.matchAll(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/g)];
  assert.equal(csp.length, 1, 'exactly one CSP meta');
  const policy = csp[0][1].replace(/&#39;/g, "'");
  const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives.get('default-src'), ["'none'"], "default-src 'none'");
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
  assert.equal(styles.length, 1, 'one inline style block');
  const css = styles[0][1];
  const hash = crypto.createHash('sha256').update(css, 'utf8').digest('base64');
  assert.deepEqual(directives.get('style-src'), [`'sha256-${hash}'`], 'style-src allows exactly this style block, by hash');
  for (const [k, v] of directives) if (k !== 'style-src') assert.deepEqual(v, ["'none'"], `${k} is 'none'`);
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style>'), 'the CSP precedes the style');
  assert.doesNotMatch(css, /url\(|@import|image-set|@font-face|expression\(/i, 'CSS references nothing');

  for (const m of html.matchAll(/<\s*([a-zA-Z][a-zA-Z0-9:-]*)([^>]*)>/g)) {
    const tag = m[1].toLowerCase();
    assert.ok(!FORBIDDEN_TAGS.has(tag), `forbidden element <${tag}>`);
    for (const a of m[2].matchAll(/([^\s=/"']+)\s*(?:=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g)) {
      assert.ok(ALLOWED_ATTRS.has(a[1].toLowerCase()), `attribute ${a[1]} on <${tag}>`);
    }
    if (tag === 'meta') assert.match(m[0], /^<meta (charset="utf-8"|http-equiv="Content-Security-Policy" content="[^"]*"|name="(referrer|viewport)" content="[^"]*")>$/, `unexpected meta ${m[0]}`);
  }
  assert.doesNotMatch(html, /javascript:|vbscript:|data:[a-z]+\//i, 'no script or data URLs');
}
