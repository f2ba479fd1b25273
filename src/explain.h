#ifndef LDGATE_EXPLAIN_H
#define LDGATE_EXPLAIN_H
#endif
