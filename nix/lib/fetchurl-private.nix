# fetchurlPrivate: fetch a file that needs a credential, with Nix's builtin fetchurl.
#
# The credential is never an argument. builtin:fetchurl authenticates with the netrc file
# named by the `netrc-file` setting of nix.conf, which hush installs from a secret (see
# `hush nix-config --netrc-file`). Nix reads that file outside the derivation, so it appears
# in neither the .drv, the store nor the build log. Works on Nix 2.8 and current Nix, with
# the sandbox on or off, and needs no nixpkgs.
#
# Through the nix-daemon, the daemon's netrc-file is used: an untrusted client's
# `--option netrc-file` is ignored.
{ url
, # SRI hash ("sha256-...") or any hash Nix accepts as outputHash; or give sha256.
  hash ? ""
, sha256 ? ""
, name ? baseNameOf (toString url)
, executable ? false
, unpack ? false
, ...
}@args:

let
  check = import ./checks.nix;
  checkedUrl = check.url "fetchurlPrivate" url;
  # Arguments that would put a credential into the .drv, with what to do instead.
  refused = {
    curlOpts = "builtin fetchurl takes no curl options; put the credential in the netrc file (hush nix-config --netrc-file)";
    netrcPhase = "the netrc comes from nix.conf's netrc-file, not from the derivation";
    netrcImpureEnvVars = "the netrc comes from nix.conf's netrc-file, not from environment variables";
    headers = "headers would be stored in the world-readable .drv; use the netrc file";
    password = "a password argument would be stored in the world-readable .drv; use the netrc file";
    token = "a token argument would be stored in the world-readable .drv; use the netrc file";
    user = "credentials go into the netrc file, not into arguments";
  };
  bad = builtins.filter (n: builtins.hasAttr n refused) (builtins.attrNames args);
  unknown = builtins.filter
    (n: !(builtins.elem n [ "url" "hash" "sha256" "name" "executable" "unpack" ]) && !(builtins.hasAttr n refused))
    (builtins.attrNames args);
in
if bad != [ ] then
  throw "hush fetchurlPrivate: argument '${builtins.head bad}' refused: ${refused.${builtins.head bad}}"
else if unknown != [ ] then
  throw "hush fetchurlPrivate: unexpected argument '${builtins.head unknown}' (known: url, hash, sha256, name, executable, unpack)"
else if hash == "" && sha256 == "" then
  throw "hush fetchurlPrivate: ${name}: give `hash` (or `sha256`): a private fetch must be fixed-output"
else
  # seq: the check fires as soon as the result is looked at, not only when it is built.
  builtins.seq checkedUrl (import <nix/fetchurl.nix> ({
    url = checkedUrl;
    inherit name executable unpack;
  } // (if hash != "" then { inherit hash; } else { inherit sha256; })))
