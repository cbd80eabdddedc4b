// A signed-in browser context for one demo account, created when a test first
// needs it and shared by the tests that follow. A failed sign-in fails each of
// those tests with the same message (rather than cancelling them silently).
import { newSession, login } from './browser.js';
import { Placeholders } from './resolve.js';

/**
 * @param {() => {browser: import('playwright-core').Browser, base: string}} env read when first needed
 * @param {string} username
 * @param {import('playwright-core').BrowserContextOptions} [options]
 */
export function accountSession(env, username, options = {}) {
  let promise;
  return {
    /** @returns {Promise<{context, page, watch, placeholders: Placeholders}>} */
    get() {
      promise ??= (async () => {
        const { browser, base } = env();
        const s = await newSession(browser, base, options);
        try {
          await login(s.page, base, username);
        } catch (err) {
          await s.context.close();
          throw err;
        }
        return { ...s, placeholders: new Placeholders(s.context, base, username) };
      })();
      return promise;
    },
    async close() {
      if (!promise) return;
      try {
        await (await promise).context.close();
      } catch {
        // sign-in failed: nothing to close
      }
    },
  };
}
