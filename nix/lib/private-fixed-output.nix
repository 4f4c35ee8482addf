# privateFixedOutput: a fixed-output derivation whose builder reads a credential from a file
# outside the store, for fetches builtin fetchurl cannot do (other protocols, bearer tokens,
# API calls).
#
# Only the file's *name* is in the .drv (as $credentialFile); its content is read by the
# builder at build time. Requirements on the building machine (`hush nix-config
# --sandbox-path FILE` prints the nix.conf line):
#   - the build user must be able to read the file: with build users (nixbld), make it
#     owner root, group nixbld, mode 0640; root-only 0600 fails;
#   - with the sandbox on, the file must be visible inside it: extra-sandbox-paths = FILE
#     (and, on non-NixOS hosts, whatever the builder needs, e.g. /bin/sh).
# The builder must not print the credential: the build log is world-readable (the post-build
# hook of `hush scan --post-build-hook` catches it when it does).
{ name
, # string, absolute, outside the store, e.g. "/run/hush/nix/token"
  credentialFile
, # shell commands run by `builder -c`; read "$credentialFile", write "$out"
  script
, outputHash
, outputHashAlgo ? "sha256"
, outputHashMode ? "flat"
, builder ? "/bin/sh"
, # derivations or absolute directories whose bin/ goes on PATH
  path ? [ ]
, # extra environment (never a secret: it is stored in the .drv)
  env ? { }
, system ? builtins.currentSystem
}:

let
  check = import ./checks.nix;
  file = check.credentialFile "privateFixedOutput" credentialFile;
  binDirs = map (p: "${p}/bin") path;
  preamble = ''
    set -eu
    if [ ! -r "$credentialFile" ]; then
      echo "hush privateFixedOutput: cannot read the credential file $credentialFile: make it readable by the build users (root:nixbld 0640) and, with the sandbox on, add it to extra-sandbox-paths (hush nix-config --sandbox-path $credentialFile)" >&2
      exit 1
    fi
  '';
in
if outputHash == "" then
  throw "hush privateFixedOutput: ${name}: outputHash is required (a credentialed fetch must be fixed-output)"
else if builtins.hasAttr "credential" env || builtins.hasAttr "credentialFile" env then
  throw "hush privateFixedOutput: ${name}: env must not set credential/credentialFile"
else
  # seq: the check fires as soon as the result is looked at, not only when it is built.
  builtins.seq file (derivation (env // {
    inherit name system builder outputHash outputHashAlgo outputHashMode;
    credentialFile = file;
    args = [ "-c" (preamble + script) ];
    PATH = if binDirs == [ ] then "/path-not-set" else builtins.concatStringsSep ":" binDirs;
    preferLocalBuild = true;
  }))
