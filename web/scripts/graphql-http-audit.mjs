#!/usr/bin/env node
// Runs the GraphQL-over-HTTP conformance audit of the graphql-http package (serverAudits)
// against a running server: node scripts/graphql-http-audit.mjs http://127.0.0.1:8000/graphql
//
// Prints one JSON object on stdout: {"ok": n, "notice": n, "warn": n, "error": n, "results":
// [{id, name, status, reason?, httpStatus?, contentType?, body?}]}. Exit code 0 only when every
// audit is "ok" (no errors, no warnings, no notices); tests/graphql/test_graphql_over_http.py
// starts the real server and runs this script.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: graphql-http-audit.mjs <graphql endpoint url>');
  process.exit(2);
}

async function describe(result) {
  const entry = { id: result.id, name: result.name, status: result.status };
  if (result.status === 'ok') return entry;
  entry.reason = result.reason;
  const response = result.response;
  if (response) {
    entry.httpStatus = response.status;
    entry.contentType = response.headers.get('content-type');
    try {
      entry.body = (await response.text()).slice(0, 500);
    } catch {
      // The audit may have read the body already; the reason says enough then.
    }
  }
  return entry;
}

const results = [];
for (const audit of serverAudits({ url })) {
  // Sequentially: one request at a time keeps failures readable and the server unhurried.
  results.push(await describe(await audit.fn()));
}
const count = (status) => results.filter((r) => r.status === status).length;
const summary = {
  ok: count('ok'),
  notice: count('notice'),
  warn: count('warn'),
  error: count('error'),
  results,
};
console.log(JSON.stringify(summary, null, 2));
process.exit(summary.ok === results.length ? 0 : 1);
