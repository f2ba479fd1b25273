#ifndef LDGATE_ARENA_H
#define LDGATE_ARENA_H
#endif
