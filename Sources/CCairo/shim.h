#ifndef CCAIRO_SHIM_H
#define CCAIRO_SHIM_H
// Cairo >= 1.16 (Debian 12: 1.16.0), with its image and SVG surfaces. Charts are drawn once through
// Cairo and rendered to SVG (inlined in the HTML report) and to pixels (written as PNG by Media's PNG codec).
#include <cairo.h>
#include <cairo-svg.h>
#endif
