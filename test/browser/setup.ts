// A browser test drives Chromium through whole pages (and axe over each): on two busy cores that takes far
// longer than a request, so these tests get a longer budget than the rest of the suite.
jest.setTimeout(120_000);
