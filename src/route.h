#ifndef LDGATE_ROUTE_H
#define LDGATE_ROUTE_H
#endif
