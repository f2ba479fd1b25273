#ifndef LDGATE_LOG_H
#define LDGATE_LOG_H
#endif
