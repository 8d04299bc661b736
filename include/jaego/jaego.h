/* SPDX-License-Identifier: MIT */
/*
 * jaego (재고, "stock"): one stock pool, every sales channel. The umbrella header of the
 * library that the command line, the server and the tests use.
 */
#ifndef JAEGO_H
#define JAEGO_H

#define JAEGO_VERSION "0.1.0"

#include "core.h"
#include "error.h"
#include "store.h"
#include "util.h"

#endif
