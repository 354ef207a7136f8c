# docker-bake.hcl: GENERATED from family.yaml by `python -m bake generate`. Do not edit.
# Regenerate with `python -m bake generate`; CI runs `python -m bake check`.
#
# Plain buildx works without Python:
#   docker buildx bake --list targets       # what can be built
#   docker buildx bake firefox              # one image (its base is built first)
#   REGISTRY=ghcr.io/you TAG=latest VERSION=1.2.3 docker buildx bake --push all

variable "REGISTRY" {
  type        = string
  default     = "registry.example.com/team/desk,mirror.example.org/desk"
  description = "Registry and namespace to publish under; comma-separate several"
}

variable "TAG" {
  type        = string
  default     = "latest,edge"
  description = "Tags to publish, comma-separated; include 'latest' to move it"
}

variable "VERSION" {
  type        = string
  default     = ""
  description = "Release version: 1.2.3 also publishes 1.2 and 1 (a v prefix is dropped)"
}

variable "SHA" {
  type        = string
  default     = ""
  description = "Git commit: the revision label, and a sha-<first 7> tag when set"
}

variable "CREATED" {
  type        = string
  default     = ""
  description = "Build time (RFC 3339) for the org.opencontainers.image.created label"
}

variable "CACHE_REGISTRY" {
  type        = string
  default     = ""
  description = "Registry/namespace for the build cache (<image>:buildcache, mode=max); empty: none"
}

function "version_tags" {
  params = [
    version,
  ]
  result = length(regexall("^[0-9]+[.][0-9]+[.][0-9]+$", version)) > 0 ? [version, regex("^[0-9]+[.][0-9]+", version), regex("^[0-9]+", version)] : compact([version])
}

function "image_tags" {
  params = [
    name,
  ]
  result = flatten([for registry in compact(split(",", REGISTRY)) : [for tag in distinct(compact(concat(split(",", TAG), version_tags(trimprefix(VERSION, "v")), SHA == "" ? [] : ["sha-${substr(SHA, 0, 7)}"]))) : "${registry}/${name}:${tag}"]])
}

function "cache_from" {
  params = [
    name,
  ]
  result = CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache"]
}

function "cache_to" {
  params = [
    name,
  ]
  result = CACHE_REGISTRY == "" ? [] : ["type=registry,ref=${CACHE_REGISTRY}/${name}:buildcache,mode=max"]
}

target "_common" {
  description = "Shared by every image: platforms, OCI labels, build args"
  platforms   = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
  ]
  labels      = {
    "org.opencontainers.image.source"   = "https://example.com/desk",
    "org.opencontainers.image.licenses" = "MPL-2.0",
    "org.opencontainers.image.vendor"   = "Example \"Desk\" Team",
    "org.opencontainers.image.revision" = SHA,
    "org.opencontainers.image.version"  = VERSION != "" ? trimprefix(VERSION, "v") : split(",", TAG)[0],
    "org.opencontainers.image.created"  = CREATED,
    "com.example.literal"               = "not $${INTERPOLATED} nor %%{ if x }directive%%{ endif }",
  }
  args        = {
    "DEBIAN_SUITE" = "bookworm",
  }
}

target "_app" {
  description = "Shared by every app: built FROM the base via the 'base' context"
  inherits    = [
    "_common",
  ]
  contexts    = {
    "base" = "target:base",
  }
}

target "_nvidia" {
  description = "Shared by every nvidia variant: NVIDIA"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/accelerators/nvidia"
  dockerfile  = "Dockerfile"
  platforms   = [
    "linux/amd64",
    "linux/arm64",
  ]
}

target "_intel" {
  description = "Shared by every intel variant: Intel VA-API"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/accelerators/intel"
  dockerfile  = "Dockerfile"
  platforms   = [
    "linux/amd64",
  ]
  args        = {
    "LIBVA_DRIVER_NAME" = "iHD",
  }
}

target "base" {
  description = "The base desktop"
  inherits    = [
    "_common",
  ]
  context     = "dockerfiles/base"
  dockerfile  = "Dockerfile"
  args        = {
    "LOCALE" = "C.UTF-8",
  }
  tags        = image_tags("base")
  cache-from  = cache_from("base")
  cache-to    = cache_to("base")
  labels      = {
    "org.opencontainers.image.title"       = "base",
    "org.opencontainers.image.description" = "The base desktop",
  }
}

target "firefox" {
  description = "Firefox \"ESR\" with a back\\slash"
  inherits    = [
    "_app",
  ]
  context     = "dockerfiles/apps/firefox"
  dockerfile  = "Dockerfile"
  tags        = concat(image_tags("firefox"), image_tags("arm-firefox"))
  cache-from  = cache_from("firefox")
  cache-to    = cache_to("firefox")
  labels      = {
    "org.opencontainers.image.title"       = "firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash",
    "com.example.multiline"                = "line one\nline two\ttabbed",
  }
}

target "kiosk" {
  description = "Firefox locked to one page"
  inherits    = [
    "_app",
  ]
  context     = "dockerfiles/apps/kiosk"
  dockerfile  = "Dockerfile"
  contexts    = {
    "base" = "target:firefox",
  }
  platforms   = [
    "linux/amd64",
    "linux/arm64",
  ]
  tags        = image_tags("kiosk")
  cache-from  = cache_from("kiosk")
  cache-to    = cache_to("kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page",
  }
}

target "media" {
  description = "A media player"
  inherits    = [
    "_app",
  ]
  context     = "dockerfiles/apps/media"
  dockerfile  = "Dockerfile"
  platforms   = [
    "linux/amd64",
  ]
  tags        = image_tags("media")
  cache-from  = cache_from("media")
  cache-to    = cache_to("media")
  labels      = {
    "org.opencontainers.image.title"       = "media",
    "org.opencontainers.image.description" = "A media player",
  }
}

target "nvidia-firefox" {
  description = "Firefox \"ESR\" with a back\\slash — NVIDIA"
  inherits    = [
    "_nvidia",
  ]
  context     = "dockerfiles/apps/firefox"
  dockerfile  = "nvidia.Dockerfile"
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("nvidia-firefox")
  cache-from  = cache_from("nvidia-firefox")
  cache-to    = cache_to("nvidia-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash — NVIDIA",
  }
}

target "nvidia-kiosk" {
  description = "Firefox locked to one page — NVIDIA"
  inherits    = [
    "_nvidia",
  ]
  contexts    = {
    "app" = "target:kiosk",
  }
  tags        = image_tags("nvidia-kiosk")
  cache-from  = cache_from("nvidia-kiosk")
  cache-to    = cache_to("nvidia-kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "nvidia-kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page — NVIDIA",
  }
}

target "intel-firefox" {
  description = "Firefox \"ESR\" with a back\\slash — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:firefox",
  }
  tags        = image_tags("intel-firefox")
  cache-from  = cache_from("intel-firefox")
  cache-to    = cache_to("intel-firefox")
  labels      = {
    "org.opencontainers.image.title"       = "intel-firefox",
    "org.opencontainers.image.description" = "Firefox \"ESR\" with a back\\slash — Intel VA-API",
  }
}

target "intel-kiosk" {
  description = "Firefox locked to one page — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:kiosk",
  }
  tags        = image_tags("intel-kiosk")
  cache-from  = cache_from("intel-kiosk")
  cache-to    = cache_to("intel-kiosk")
  labels      = {
    "org.opencontainers.image.title"       = "intel-kiosk",
    "org.opencontainers.image.description" = "Firefox locked to one page — Intel VA-API",
  }
}

target "intel-media" {
  description = "A media player — Intel VA-API"
  inherits    = [
    "_intel",
  ]
  contexts    = {
    "app" = "target:media",
  }
  tags        = image_tags("intel-media")
  cache-from  = cache_from("intel-media")
  cache-to    = cache_to("intel-media")
  labels      = {
    "org.opencontainers.image.title"       = "intel-media",
    "org.opencontainers.image.description" = "A media player — Intel VA-API",
  }
}

group "default" {
  description = "The whole family (same as 'all')"
  targets     = [
    "all",
  ]
}

group "all" {
  description = "Every image of the family"
  targets     = [
    "base",
    "firefox",
    "kiosk",
    "media",
    "nvidia-firefox",
    "nvidia-kiosk",
    "intel-firefox",
    "intel-kiosk",
    "intel-media",
  ]
}

group "apps" {
  description = "Every app image (no accelerator variants)"
  targets     = [
    "firefox",
    "kiosk",
    "media",
  ]
}

group "nvidia" {
  description = "Every nvidia variant"
  targets     = [
    "nvidia-firefox",
    "nvidia-kiosk",
  ]
}

group "intel" {
  description = "Every intel variant"
  targets     = [
    "intel-firefox",
    "intel-kiosk",
    "intel-media",
  ]
}

group "firefox-all" {
  description = "firefox and its accelerator variants"
  targets     = [
    "firefox",
    "nvidia-firefox",
    "intel-firefox",
  ]
}

group "kiosk-all" {
  description = "kiosk and its accelerator variants"
  targets     = [
    "kiosk",
    "nvidia-kiosk",
    "intel-kiosk",
  ]
}

group "media-all" {
  description = "media and its accelerator variants"
  targets     = [
    "media",
    "intel-media",
  ]
}
