/** URL-decoding of log lines (shared/format.ts urlDecode), as the Logs panel's toggle shows them. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { escapeText, urlDecode } from '../../../shared/format';

test('urlDecode: percent runs become UTF-8 text; invalid runs, lone % and + stay as written', () => {
  assert.equal(urlDecode('GET /cgi-bin/x?cmd=cat%20%2Fetc%2Fpasswd HTTP/1.1'), 'GET /cgi-bin/x?cmd=cat /etc/passwd HTTP/1.1');
  assert.equal(urlDecode('name=%E6%A4%9C%E6%9F%BB'), 'name=検査');
  assert.equal(urlDecode('bad %E6%A4 then %41'), 'bad %E6%A4 then A');
  assert.equal(urlDecode('100% sure, a+b, %zz'), '100% sure, a+b, %zz');
  assert.equal(urlDecode('no escapes'), 'no escapes');
  // A decoded control character is still shown escaped, never raw.
  assert.equal(escapeText(urlDecode('a%0d%0ab%1b[31m')), 'a\\x0d\\x0ab\\x1b[31m');
});
