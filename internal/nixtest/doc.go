// Package nixtest runs real Nix for hush's end-to-end tests: a private Nix configuration per
// test (no substituters, no build users unless asked, its own log directory), unique
// derivation names per run (fixed-output derivations are cached by hash), clean-up of exactly
// the store paths a test made, a loopback HTTP server that wants a credential, a hush binary
// built once per test process, and an independent grep/bzgrep check.
//
// It is for tests only: nothing in hush's commands imports it. The tests (*_e2e_test.go,
// lib_test.go) need root and nix-build, and skip without them (internal/testenv), or fail
// under HUSH_REQUIRE_ALL=1:
//
//	TestPrivateFetchNetrc                 nix/lib fetchurlPrivate + netrc-file
//	TestPrivateFixedOutputCredentialFile  credential file: root, nixbld 0600/0640, sandbox
//	TestLeakCorpusFound                   every leak path found by hush scan, grep agrees
//	TestCleanCorpus                       the documented ways give no finding
//	TestPostBuildHook                     the hook fails leaking builds, passes clean ones
//	TestNixConfigLines                    hush nix-config's lines work in a real nix.conf
//	TestLibRefusesLeaks                   nix/lib's eval-time refusals (no root needed)
package nixtest
