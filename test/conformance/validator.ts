import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { ContractObservation, ContractVerdict } from "../support/contract-observation";
import { coerce, errorCode, findMediaType, isSchema, lowerCaseKeys, nullableAsTypes, parseJson, safeDecode, type JsonSchema, type MediaTypes } from "./exchange-values";

/**
 * Checks one request/response pair against the OpenAPI 3.1 document the way a validating client would
 * (generated clients with validation, Prism's validating proxy): JSON Schema 2020-12 with ajv, the document's
 * own `$ref`s resolved, formats checked, unicode regexes (ajv's default `unicodeRegExp`).
 *
 * Request (mode "full" only): path/query/header parameters, required headers, the bearer security
 * requirement and the JSON body. Response (always): a documented status, a documented media type, a body
 * matching its schema, required response headers. And: a request the document allows must never be
 * refused as invalid (400 VALIDATION_ERROR).
 */

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}
interface ResponseObject {
  content?: MediaTypes;
  headers?: Record<string, { required?: boolean; schema?: JsonSchema }>;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: MediaTypes };
  responses: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
}
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>> & { parameters?: Parameter[] };
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, PathItem>;
  security?: Record<string, string[]>[];
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, { type: string; scheme?: string }> };
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const DOCUMENT_ID = "openapi.json";

/**
 * Served by the Worker but not API operations, so deliberately not in the document: the reference UI and
 * the document itself (docs/operations.md), and CORS preflights (answered by the middleware for every path).
 */
const OUTSIDE_THE_DOCUMENT: readonly { method?: string; path: RegExp }[] = [
  { path: /^\/openapi\.json$/ },
  { path: /^\/docs(\/.*)?$/ },
  { method: "OPTIONS", path: /^\// },
];

interface Route {
  template: string;
  method: (typeof METHODS)[number];
  pattern: RegExp;
  names: string[];
  pointer: string;
  operation: Operation;
  parameters: { parameter: Parameter; pointer: string }[];
}

const pointerEscape = (segment: string) => segment.replace(/~/g, "~0").replace(/\//g, "~1");

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ContractValidator {
  readonly operations: string[];
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Names of the document's HTTP bearer security schemes (`bearerAuth`). */
  private readonly bearerSchemes: Set<string>;
  private readonly defaultSecurity: Record<string, string[]>[];

  constructor(document: OpenApiDocument) {
    // ajv-formats is not a dependency; these are the formats the document uses (RFC 3339, RFC 4122, RFC 3986).
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: true });
    this.ajv.addFormat("date-time", (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));
    this.ajv.addFormat("uuid", UUID);
    this.ajv.addFormat("uri", (value: string) => URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value));
    this.ajv.addFormat("email", /^[^\s@]+@[^\s@]+$/);
    const schema = nullableAsTypes(document);
    if (!isSchema(schema)) throw new Error("the OpenAPI document is not an object");
    this.ajv.addSchema(schema, DOCUMENT_ID);
    this.bearerSchemes = new Set(
      Object.entries(document.components?.securitySchemes ?? {})
        .filter(([, scheme]) => scheme.type === "http" && scheme.scheme?.toLowerCase() === "bearer")
        .map(([name]) => name),
    );
    this.defaultSecurity = document.security ?? [];
    this.routes = [];
    for (const [template, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation === undefined) continue;
        const pointer = `/paths/${pointerEscape(template)}/${method}`;
        const names: string[] = [];
        const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_match, name: string) => {
          names.push(name);
          return "([^/]+)";
        });
        const parameters = [
          ...(item.parameters ?? []).map((parameter, index) => ({ parameter, pointer: `/paths/${pointerEscape(template)}/parameters/${index}` })),
          ...(operation.parameters ?? []).map((parameter, index) => ({ parameter, pointer: `${pointer}/parameters/${index}` })),
        ];
        this.routes.push({ template, method, pattern: new RegExp(`^${source}$`), names, pointer, operation, parameters });
      }
    }
    // Literal segments win over templated ones (`/users/me` before `/users/{id}`).
    this.routes.sort((a, b) => a.names.length - b.names.length);
    this.operations = this.routes.map((route) => operationName(route));
  }

  check(observation: ContractObservation): ContractVerdict {
    const { request, response } = observation;
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const candidates = this.routes.filter((route) => route.pattern.test(url.pathname));
    const route = candidates.find((candidate) => candidate.method.toUpperCase() === method);
    if (route === undefined) {
      const outside = OUTSIDE_THE_DOCUMENT.some((entry) => (entry.method === undefined || entry.method === method) && entry.path.test(url.pathname));
      if (outside || observation.mode === "response-only") return { operation: null, violations: [] };
      return {
        operation: null,
        violations: [`request: ${method} ${url.pathname} is not a documented operation (mark the call \`invalid: true\` if that is on purpose)`],
      };
    }
    const violations: string[] = [];
    const requestErrors = observation.mode === "full" ? this.checkRequest(route, url, request) : [];
    violations.push(...requestErrors.map((error) => `request: ${error} (mark the call \`invalid: true\` if that is on purpose)`));
    violations.push(...this.checkResponse(route, response).map((error) => `response ${response.status}: ${error}`));
    if (observation.mode === "full" && requestErrors.length === 0 && response.status === 400 && errorCode(response.body) === "VALIDATION_ERROR") {
      violations.push(`response 400: the server refused a request the document allows as VALIDATION_ERROR: ${response.body.slice(0, 500)}`);
    }
    return { operation: operationName(route), violations };
  }

  private checkRequest(route: Route, url: URL, request: ContractObservation["request"]): string[] {
    const errors: string[] = [];
    const pathValues = route.pattern.exec(url.pathname)?.slice(1) ?? [];
    const headers = lowerCaseKeys(request.headers);
    for (const { parameter, pointer } of route.parameters) {
      let value: unknown;
      if (parameter.in === "path") {
        const raw = pathValues[route.names.indexOf(parameter.name)];
        value = raw === undefined ? undefined : safeDecode(raw);
      } else if (parameter.in === "query") {
        const all = url.searchParams.getAll(parameter.name);
        value = all.length === 0 ? undefined : parameter.schema?.type === "array" ? all : all[all.length - 1];
      } else if (parameter.in === "header") {
        value = headers[parameter.name.toLowerCase()];
      } else continue;
      if (value === undefined) {
        if (parameter.required === true) errors.push(`the required ${parameter.in} parameter "${parameter.name}" is missing`);
        continue;
      }
      let message = this.validate(`${pointer}/schema`, coerce(value, parameter.schema), `${parameter.in} parameter "${parameter.name}"`);
      // The document's array query parameters also take comma-separated values (stated in their descriptions).
      if (message !== null && Array.isArray(value) && /comma/i.test(String(parameter.schema?.description ?? ""))) {
        const split = value.flatMap((item: unknown) => (typeof item === "string" ? item.split(",") : [item]));
        if (this.validate(`${pointer}/schema`, coerce(split, parameter.schema), "") === null) message = null;
      }
      if (message !== null) errors.push(message);
    }
    if (this.needsBearer(route.operation) && !/^bearer \S+/i.test(headers.authorization ?? "")) {
      errors.push("the operation requires `Authorization: Bearer <token>` (bearerAuth) and the request has none");
    }
    const body = route.operation.requestBody;
    if (request.body === "") {
      if (body?.required === true) errors.push("the required request body is missing");
      return errors;
    }
    if (body?.content === undefined) {
      errors.push("the operation takes no request body but one was sent");
      return errors;
    }
    const mediaType = findMediaType(body.content, headers["content-type"]);
    if (mediaType === undefined) {
      errors.push(`request Content-Type "${headers["content-type"] ?? ""}" is not one of ${Object.keys(body.content).join(", ")}`);
      return errors;
    }
    if (body.content[mediaType]?.schema === undefined) return errors;
    const parsed = parseJson(request.body);
    if (!parsed.ok) {
      errors.push("the request body is not JSON");
      return errors;
    }
    const message = this.validate(`${route.pointer}/requestBody/content/${pointerEscape(mediaType)}/schema`, parsed.value, "request body");
    if (message !== null) errors.push(message);
    return errors;
  }

  private checkResponse(route: Route, response: ContractObservation["response"]): string[] {
    const status = String(response.status);
    const key = status in route.operation.responses ? status : `${status[0]}XX` in route.operation.responses ? `${status[0]}XX` : "default";
    const documented = route.operation.responses[key];
    if (documented === undefined) return [`status ${status} is not documented for ${operationName(route)} (documented: ${Object.keys(route.operation.responses).join(", ")})`];
    const errors: string[] = [];
    const headers = lowerCaseKeys(response.headers);
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required === true) errors.push(`the required response header ${name} is missing`);
        continue;
      }
      if (header.schema === undefined) continue;
      const message = this.validate(`${route.pointer}/responses/${key}/headers/${pointerEscape(name)}/schema`, coerce(value, header.schema), `response header ${name}`);
      if (message !== null) errors.push(message);
    }
    if (documented.content === undefined) {
      if (response.body !== "") errors.push(`the response documents no body but has one: ${response.body.slice(0, 200)}`);
      return errors;
    }
    const mediaType = findMediaType(documented.content, headers["content-type"]);
    if (mediaType === undefined) {
      errors.push(`Content-Type "${headers["content-type"] ?? ""}" is not one of ${Object.keys(documented.content).join(", ")}`);
      return errors;
    }
    if (documented.content[mediaType]?.schema === undefined) return errors;
    // A non-JSON media type (text/event-stream) documents its body as a string: the text itself is the value.
    const parsed = /json/i.test(mediaType) ? parseJson(response.body) : { ok: true as const, value: response.body };
    if (!parsed.ok) return [...errors, `the body is not JSON: ${response.body.slice(0, 200)}`];
    const message = this.validate(`${route.pointer}/responses/${key}/content/${pointerEscape(mediaType)}/schema`, parsed.value, "body");
    if (message !== null) errors.push(message);
    return errors;
  }

  /** Every alternative requirement names a bearer scheme (`{}` would allow anonymous calls). */
  private needsBearer(operation: Operation): boolean {
    const requirements = operation.security ?? this.defaultSecurity;
    return requirements.length > 0 && requirements.every((requirement) => Object.keys(requirement).some((name) => this.bearerSchemes.has(name)));
  }

  /** Validates `value` against the schema at `pointer` in the document; null when it matches. */
  private validate(pointer: string, value: unknown, what: string): string | null {
    let validate = this.compiled.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      this.compiled.set(pointer, validate);
    }
    if (validate(value)) return null;
    const details = (validate.errors ?? [])
      .slice(0, 5)
      .map((error) => `${error.instancePath || "/"} ${error.message ?? "is invalid"}${error.params !== undefined ? ` ${JSON.stringify(error.params)}` : ""}`)
      .join("; ");
    return `${what} does not match the document: ${details}`;
  }
}

const operationName = (route: Route) => `${route.method.toUpperCase()} ${route.template}`;

