// The mongoose project: every app the harness starts uses MongoDB (FerretDB) instead of the embedded store.
process.env.TEST_STORE = "mongo";
