#ifndef LDGATE_CMD_H
#define LDGATE_CMD_H
int	cmd_check(int, char **);
int	cmd_eval(int, char **);
int	cmd_fingerprint(int, char **);
int	cmd_version(int, char **);
#endif
