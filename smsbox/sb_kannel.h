/*
 * sb_kannel — Kannel's smsbox send interface on Hermod: GET/POST
 * /cgi-bin/sendsms with Kannel's parameters, its XML POST form
 * (<message><submit>...), and its answer lines and HTTP status codes, so a
 * Kannel user switches by changing host and port (doc/http-api.md).
 *
 * Layer: smsbox (box logic). Runs on the box's event loop only.
 */
#ifndef HERMOD_SB_KANNEL_H
#define HERMOD_SB_KANNEL_H

#include "smsbox/sb_api.h"

struct httpd_req;

/* Handles one /cgi-bin/sendsms request (any method; answers it). */
void sb_kannel_sendsms(struct sb_api *api, struct httpd_req *req);

/* Answers req with Kannel's line and status for w. */
void sb_kannel_answer(struct httpd_req *req, enum sb_word w, enum sb_reason why,
		      unsigned parts);

#endif
