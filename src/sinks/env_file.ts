/** The compose `.env` sink: one variable holds the access token. */
import { envValue, setEnvValue } from "../lib/dotenv.ts";
import { deliveryFailed } from "../lib/errors.ts";
import { AccessToken, type Login } from "../login/credentials.ts";
import type { FileSink } from "./sink.ts";

/** The compose `.env` sink: one variable holds the access token. */
export function envFileSink(
  path: string,
  key: string,
  create: boolean,
): FileSink {
  return {
    name: "env file",
    path,
    recreatesGateway: true,
    held: (text) => ({
      accessToken: text === undefined ? undefined : envValue(text, key),
    }),
    render(text, login: Login) {
      if (text === undefined && !create) {
        throw deliveryFailed(
          `${path} does not exist (pass --create to create it)`,
        );
      }
      if (!AccessToken.safeParse(login.accessToken).success) {
        throw deliveryFailed(
          `refusing to write ${path}: the token holds characters a .env line cannot carry safely`,
        );
      }
      if (text !== undefined && envValue(text, key) === login.accessToken) {
        return undefined;
      }
      const edit = setEnvValue(text ?? "", key, login.accessToken);
      const warnings = edit.assignments > 1
        ? [
          `${path} sets ${key} ${edit.assignments} times; updated the last one, which docker compose uses`,
        ]
        : [];
      return { text: edit.text, warnings };
    },
  };
}
