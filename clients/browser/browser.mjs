// Sheba from a real browser: Debian's headless Chromium, driven by playwright-core.
//
// 1. A front end served from an allowed origin signs in (an OAuth2 form), lists cases,
//    creates a person with an Idempotency-Key, reads the ETag, Location and replay headers,
//    and updates the person with If-Match; a stale If-Match gets a readable 412 problem.
// 2. The same page from an origin not on the list is refused by the browser.
// 3. Swagger UI's Authorize dialog signs in with a username and password (the OAuth2 password
//    flow) and "Try it out" then calls GET /api/v1/me with that token.
//
// Usage: SHEBA_URL=... SPA_ORIGIN=http://localhost:P1 OTHER_ORIGIN=http://localhost:P2
//        SHEBA_USER=... SHEBA_PASSWORD=... node browser.mjs

import http from "node:http";
import { chromium } from "playwright-core";

const api = process.env.SHEBA_URL;
const spaOrigin = process.env.SPA_ORIGIN;
const otherOrigin = process.env.OTHER_ORIGIN;
const user = process.env.SHEBA_USER;
const password = process.env.SHEBA_PASSWORD;
const admin = process.env.SHEBA_ADMIN;

function fail(message) {
  throw new Error(message);
}

/** A static page at an origin, as a front end's dev server would serve it. */
function servePage(origin) {
  const port = Number(new URL(origin).port);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end("<!doctype html><html><head><title>A Sheba front end</title></head><body><p>front end</p></body></html>");
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

/** Runs in the page: the flows a front end on another origin needs. */
async function frontEndFlows({ api, user, password }) {
  const out = {};
  const form = new URLSearchParams({ grant_type: "password", username: user, password });
  let r = await fetch(`${api}/api/v1/auth/token`, { method: "POST", body: form });
  out.signIn = r.status;
  const token = (await r.json()).access_token;
  const auth = { Authorization: `Bearer ${token}`, "Accept-Language": "bn" };
  r = await fetch(`${api}/api/v1/cases?limit=5`, { headers: auth });
  out.list = r.status;
  out.listRequestId = r.headers.get("X-Request-Id");
  const key = `browser-${crypto.randomUUID()}`;
  const person = { name_en: "Browser Test", name_bn: "ব্রাউজার পরীক্ষা", sex: "female", date_of_birth: "2010-02-03" };
  const create = () =>
    fetch(`${api}/api/v1/persons`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": key },
      body: JSON.stringify(person),
    });
  r = await create();
  out.create = r.status;
  out.etag = r.headers.get("ETag");
  out.location = r.headers.get("Location");
  const created = await r.json();
  r = await create();
  out.retry = r.status;
  out.replayed = r.headers.get("Idempotent-Replayed");
  out.sameRecord = (await r.json()).person.id === created.person.id;
  r = await fetch(`${api}${out.location}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", "If-Match": out.etag },
    body: JSON.stringify({ mobile: "01712345678" }),
  });
  out.update = r.status;
  out.newEtag = r.headers.get("ETag");
  r = await fetch(`${api}${out.location}`, {
    method: "PATCH",
    headers: { ...auth, "Content-Type": "application/json", "If-Match": out.etag },
    body: JSON.stringify({ mobile: "01812345678" }),
  });
  out.stale = r.status;
  out.staleType = r.headers.get("Content-Type");
  out.staleCode = (await r.json()).code;
  return out;
}

async function main() {
  const pages = [await servePage(spaOrigin), await servePage(otherOrigin)];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();

    // 1. From the allowed origin.
    const started = Date.now();
    await page.goto(`${spaOrigin}/`);
    const r = await page.evaluate(frontEndFlows, { api, user, password });
    console.log(`allowed origin ${spaOrigin}: ${JSON.stringify(r)}`);
    if (r.signIn !== 200 || r.list !== 200 || !r.listRequestId) fail("sign in or list failed");
    if (r.create !== 201 || !/^"\d+"$/.test(r.etag ?? "") || !r.location?.startsWith("/api/v1/persons/")) fail("create: no ETag or Location");
    if (r.retry !== 201 || r.replayed !== "true" || !r.sameRecord) fail("the Idempotency-Key retry was not a replay");
    if (r.update !== 200 || !r.newEtag || r.newEtag === r.etag) fail("the If-Match update failed");
    if (r.stale !== 412 || !r.staleType?.startsWith("application/problem+json") || r.staleCode !== "precondition_failed") fail("a stale If-Match was not a readable 412");

    // 2. From an origin not on the list: the browser withholds every answer.
    await page.goto(`${otherOrigin}/`);
    const refused = await page.evaluate(async ({ api, user, password }) => {
      const tryFetch = (url, init) => fetch(url, init).then((res) => `read ${res.status}`, (e) => `${e.name}: ${e.message}`);
      const form = new URLSearchParams({ grant_type: "password", username: user, password });
      return {
        signIn: await tryFetch(`${api}/api/v1/auth/token`, { method: "POST", body: form }),
        json: await tryFetch(`${api}/api/v1/persons`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
      };
    }, { api, user, password });
    console.log(`other origin ${otherOrigin}: ${JSON.stringify(refused)}`);
    for (const [what, outcome] of Object.entries(refused)) {
      if (!outcome.startsWith("TypeError")) fail(`${what} from an origin not on the list was not refused: ${outcome}`);
    }
    console.log(`front-end flows in ${Date.now() - started} ms`);

    // 3. Swagger UI: Authorize with the OAuth2 password flow, then try an operation.
    const swaggerStarted = Date.now();
    await page.goto(`${api}/swagger-ui/`);
    await page.locator("button.authorize").first().click();
    const passwordFlow = page.locator(".auth-container").filter({ hasText: /Flow:\s*password/ });
    await passwordFlow.locator("#oauth_username").fill(admin);
    await passwordFlow.locator("#oauth_password").fill(password);
    await passwordFlow.locator("button.authorize").click();
    // Signed in: the section offers Logout instead of Authorize.
    const signedIn = passwordFlow.locator("button", { hasText: "Logout" });
    await signedIn.waitFor({ timeout: 15000 }).catch(async (e) => {
      await page.screenshot({ path: process.env.SCREENSHOT ?? "/tmp/sheba-swagger-authorize.png" });
      throw new Error(`Swagger UI did not sign in: ${await passwordFlow.innerText()}`, { cause: e });
    });
    await page.locator(".modal-ux button.close-modal").first().click();
    const me = page.locator("#operations-users-get_current_user");
    await me.locator(".opblock-summary").click();
    await me.locator("button.try-out__btn").click();
    page.on("request", (req) => process.env.DEBUG && console.log(`request ${req.method()} ${req.url()}`));
    page.on("console", (m) => process.env.DEBUG && console.log(`console ${m.text()}`));
    await me.locator("button.execute").click();
    const status = me.locator(".live-responses-table .response .response-col_status").first();
    await status.waitFor({ timeout: 15000 }).catch(async (e) => {
      await page.screenshot({ path: process.env.SCREENSHOT ?? "/tmp/sheba-swagger-try.png", fullPage: true });
      throw new Error(`Swagger UI's call showed no response: ${(await me.innerText()).slice(0, 700)}`, { cause: e });
    });
    const code = (await status.innerText()).trim();
    const body = await me.locator(".live-responses-table .response .microlight").first().innerText();
    console.log(`Swagger UI: Authorize (password flow), then GET /api/v1/me -> ${code} in ${Date.now() - swaggerStarted} ms`);
    if (code !== "200" || !body.includes(`"username": "${admin}"`)) fail(`Swagger UI's call did not use the OAuth2 token: ${code} ${body.slice(0, 200)}`);
  } finally {
    await browser.close();
    for (const s of pages) s.close();
  }
}

main().then(
  () => console.log("browser checks: ok"),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
