#ifndef LDGATE_POLICY_H
#define LDGATE_POLICY_H
#endif
