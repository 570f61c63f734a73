// The contract's code lists are enums, so a front end's misspelt code is a compile error, not
// a 422 at run time. Each `@ts-expect-error` below must find an error: if the contract ever
// loses an enum (a code typed as a bare string again), tsc reports the directive as unused
// and the test command fails.

import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
type CaseQuery = NonNullable<paths["/api/v1/cases"]["get"]["parameters"]["query"]>;

export const inService: Schemas["CaseView"]["status"] = "in_service";
// @ts-expect-error "in_servce" is not a case status
export const misspeltStatus: Schemas["CaseView"]["status"] = "in_servce";
// @ts-expect-error a filter takes only case statuses
export const misspeltFilter: CaseQuery = { status: "in_servce" };
// @ts-expect-error "woman" is not a sex code
export const misspeltSex: Schemas["CreatePersonRequest"]["sex"] = "woman";
// @ts-expect-error "bkas" is not a payment provider
export const misspeltProvider: Schemas["AccountRequest"]["provider"] = "bkas";
// @ts-expect-error "super_admin" is not a role
export const misspeltRole: Schemas["CreateUserRequest"]["role"] = "super_admin";
// @ts-expect-error "oldage" is not a programme
export const misspeltProgramme: Schemas["SubmitApplicationRequest"]["programme"] = "oldage";
// @ts-expect-error "payment_cycle" is not a report
export const misspeltReport: paths["/api/v1/reports/{report}"]["get"]["parameters"]["path"]["report"] = "payment_cycle";
// The token endpoint's errors carry RFC 6749 codes.
// @ts-expect-error "invalid_password" is not an RFC 6749 error
export const misspeltOAuthError: Schemas["Problem"]["error"] = "invalid_password";
