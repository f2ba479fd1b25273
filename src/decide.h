#ifndef LDGATE_DECIDE_H
#define LDGATE_DECIDE_H
#endif
