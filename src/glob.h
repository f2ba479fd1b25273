#ifndef LDGATE_GLOB_H
#define LDGATE_GLOB_H
#endif
