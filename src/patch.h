#ifndef LDGATE_PATCH_H
#define LDGATE_PATCH_H
#endif
