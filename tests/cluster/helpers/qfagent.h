/* SPDX-License-Identifier: MIT */
/* The qfagent request line, shared by qfagent (guest) and qfcall (host). */
#ifndef QFAGENT_H
#define QFAGENT_H

/* A newline inside a command travels as RS: the request is one line. */
#define QF_AGENT_NL '\x1e'

#endif
