// The integration suite: starts the real gateway binary against fake upstreams
// on 127.0.0.1. Every test owns its own gateway process and fakes.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
