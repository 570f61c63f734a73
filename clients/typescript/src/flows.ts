// The main flows of a front end, written against types generated from openapi/openapi.json.
// `tsc` type-checks them in the test command, so a contract change that would break a front
// end (a renamed field, a removed operation, a changed type) fails the tests; the test command
// then runs them against a live server, so the types also have to be true.
//
// Usage: SHEBA_URL=http://127.0.0.1:8080 SHEBA_ADMIN=admin SHEBA_ADMIN_PASSWORD=... node dist/flows.js

import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];

const base = process.env.SHEBA_URL ?? "http://127.0.0.1:8080";
const password = "a long passphrase for the client check";

/** Fails the run with what the server said. */
function must<T>(what: string, r: { data?: T; error?: unknown; response: Response }): T {
  if (r.data === undefined) {
    throw new Error(`${what}: HTTP ${r.response.status} ${JSON.stringify(r.error)}`);
  }
  return r.data;
}

function today(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return d.toISOString().slice(0, 10);
}

const anonymous = createClient<paths>({ baseUrl: base });

async function signIn(username: string, secret: string): Promise<string> {
  const r = await anonymous.POST("/api/v1/auth/token", {
    body: { grant_type: "password", username, password: secret } satisfies Schemas["TokenRequest"],
  });
  const tokens: Schemas["TokenResponse"] = must("sign in", r);
  return tokens.access_token;
}

function as(token: string) {
  return createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token}` } });
}

async function main(): Promise<void> {
  const run = Date.now().toString(36);
  const admin = as(await signIn(process.env.SHEBA_ADMIN ?? "admin", process.env.SHEBA_ADMIN_PASSWORD ?? ""));
  const me = must("me", await admin.GET("/api/v1/me"));
  console.log(`signed in as ${me.username} (${me.role})`);

  // Accounts for the people in the flows.
  const user = async (name: string, role: Schemas["RoleCode"], scope: string, kind: Schemas["AccountKindCode"] = "person") => {
    const body: Schemas["CreateUserRequest"] = { username: `${name}.${run}`, role, scope, password, kind };
    must(`create ${role}`, await admin.POST("/api/v1/users", { body, params: { header: { "Idempotency-Key": `${name}-${run}` } } }));
    return body.username;
  };
  const caseworker = as(await signIn(await user("cw", "caseworker", "upazila:1"), password));
  const district = as(await signIn(await user("dist", "district_officer", "district:1"), password));
  const committee = as(await signIn(await user("committee", "committee_member", "upazila:1"), password));
  const officer = as(await signIn(await user("ssa", "upazila_officer", "upazila:1"), password));
  const integratorName = await user("reports", "integrator", "national", "service");
  const grant = await anonymous.POST("/api/v1/auth/token", {
    body: { grant_type: "client_credentials", client_id: integratorName, client_secret: password } satisfies Schemas["TokenRequest"],
  });
  const integrator = as(must("client credentials", grant).access_token);

  // Case management: a child found at risk, a case, a risk assessment, the case read back.
  const created = must(
    "create person",
    await caseworker.POST("/api/v1/persons", {
      body: { name_en: `Child ${run}`, name_bn: "শিশু", sex: "male", date_of_birth: today(-365 * 11), union_id: 1 } satisfies Schemas["CreatePersonRequest"],
    }),
  );
  const child: Schemas["PersonView"] = created.person;
  // A search by name and national ID: the server's log must show neither (scripts/ts-client checks).
  must(
    "search persons",
    await caseworker.GET("/api/v1/persons", { params: { query: { name: "Salma Akter", identifier: "1975123456" } } }),
  );
  const opened = must(
    "open case",
    await caseworker.POST("/api/v1/cases", {
      body: { kind: "child_protection", person_id: child.id, upazila_id: 1, intake_on: today() } satisfies Schemas["OpenCaseRequest"],
      params: { header: { "Idempotency-Key": `case-${run}` } },
    }),
  );
  const assessed = must(
    "risk assessment",
    await caseworker.POST("/api/v1/cases/{case_id}/risk-assessment", {
      params: { path: { case_id: opened.id }, header: { "If-Match": `"${opened.version}"` } },
      body: { assessed_on: today(), level: "high", categories: ["street_child"], summary: "Sleeps at the station" } satisfies Schemas["RiskAssessmentRequest"],
    }),
  );
  const read: Schemas["CaseView"] = must(
    "get case",
    await caseworker.GET("/api/v1/cases/{case_id}", { params: { path: { case_id: assessed.id } } }),
  );
  if (read.status !== "risk_assessment") throw new Error(`case status ${read.status}`);
  const listed = must(
    "list cases",
    await caseworker.GET("/api/v1/cases", { params: { query: { status: "risk_assessment", upazila_id: 1, limit: 50 } } }),
  );
  if (!listed.data.some((c) => c.id === read.id)) throw new Error("the case is not in the filtered list");
  console.log(`case ${read.case_number}: ${read.status_label.en} / ${read.status_label.bn}`);

  // Allowances: eligibility, quota, application, verification, approval, beneficiary.
  const elder = must(
    "create elder",
    await officer.POST("/api/v1/persons", {
      body: { name_en: `Elder ${run}`, sex: "female", date_of_birth: today(-365 * 72), union_id: 1 } satisfies Schemas["CreatePersonRequest"],
    }),
  ).person;
  const check = must(
    "eligibility",
    await officer.POST("/api/v1/eligibility/check", { body: { person_id: elder.id, programmes: ["old_age"], facts: { annual_income_taka: 5000 } } satisfies Schemas["EligibilityRequest"] }),
  );
  const oldAge = check.results.find((x) => x.programme === "old_age");
  if (oldAge?.verdict !== "eligible") throw new Error(`old age verdict ${JSON.stringify(oldAge)}`);
  const fiscalYear = check.fiscal_year;
  must(
    "quota",
    await district.PUT("/api/v1/quotas", { body: { programme: "old_age", upazila_id: 1, fiscal_year: fiscalYear, places: 10 } satisfies Schemas["QuotaInput"] }),
  );
  const submitted = must(
    "submit application",
    await committee.POST("/api/v1/applications", {
      body: { programme: "old_age", person_id: elder.id, facts: { annual_income_taka: 5000, landless: true } } satisfies Schemas["SubmitApplicationRequest"],
      params: { header: { "Idempotency-Key": `application-${run}` } },
    }),
  );
  const verified = must(
    "verify",
    await committee.POST("/api/v1/applications/{application_id}/verification", {
      params: { path: { application_id: submitted.id }, header: { "If-Match": `"${submitted.version}"` } },
      body: { accept: true } satisfies Schemas["VerificationRequest"],
    }),
  );
  const decided = must(
    "decide",
    await officer.POST("/api/v1/applications/{application_id}/decision", {
      params: { path: { application_id: verified.id }, header: { "If-Match": `"${verified.version}"` } },
      body: { approve: true, note: "Approved in the committee meeting" } satisfies Schemas["ApplicationDecisionRequest"],
    }),
  );
  if (decided.status !== "approved") throw new Error(`application ${decided.status}`);
  const beneficiaries = must(
    "beneficiaries",
    await officer.GET("/api/v1/beneficiaries", { params: { query: { programme: "old_age", upazila_id: 1 } } }),
  );
  const mine: Schemas["BeneficiaryView"] | undefined = beneficiaries.data.find((b) => b.person_id === elder.id);
  if (!mine) throw new Error("the approved elder is not a beneficiary");
  console.log(`beneficiary at ${mine.monthly_rate_taka} taka a month`);

  // Reports: the integrator pulls aggregates, never a person.
  const catalogue = must("report catalogue", await integrator.GET("/api/v1/reports"));
  const report = must(
    "report",
    await integrator.GET("/api/v1/reports/{report}", {
      params: { path: { report: "allowance_beneficiaries" }, query: { upazila_id: 1 } },
    }),
  );
  // The report is JSON unless CSV is asked for (`Accept: text/csv`); the contract says both.
  if (typeof report === "string") throw new Error("asked for JSON, got CSV");
  if (JSON.stringify(report).includes(elder.id)) throw new Error("the report carries a person id");
  const pipeline = catalogue.data.find((r) => r.name === "case_pipeline");
  if (!pipeline?.area_basis_bn) throw new Error("the catalogue does not say where the pipeline counts a case");
  console.log(`${catalogue.data.length} reports; allowance_beneficiaries as of ${report.as_of}`);
  console.log(`the pipeline: ${pipeline.area_basis_en}`);
}

main().then(
  () => console.log("typed client flows: ok"),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
