/*
 * sb_kannel — Kannel's /cgi-bin/sendsms on Hermod (GET, form POST and the
 * XML POST of Kannel's smsbox), answered with Kannel's lines and status
 * codes. Fields are read into one struct whatever the form, checked in
 * Kannel's order (authentication first), then sent like any request.
 * The XML is parsed by libxml2 without network, DTD loading or entity
 * substitution; a document with a DTD is refused.
 */
#include "config.h"

#include "smsbox/sb_kannel.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "shared/codec/http_params.h"
#include "shared/codec/latin1.h"
#include "shared/codec/ucs2.h"
#include "shared/codec/udh.h"
#include "shared/io/httpd.h"

#define KN_TEXT_MAX 65536
#define KN_XML_VALUES 64

struct kn_str {
	const char *p;
	size_t len;
	bool set;
};

struct kn_fields {
	struct kn_str user, pass, from, to, text, charset, udh, coding, mclass;
	struct kn_str dlr_mask, dlr_url, validity, deferred, priority;
	/* storage owned by the fields (XML values, joined numbers) */
	char *own[KN_XML_VALUES];
	size_t nown;
};

static const char KN_HTML[] = "text/html";

static void kn_answer(struct httpd_req *req, unsigned status, const char *line)
{
	httpd_answer(req, status, KN_HTML, line, strlen(line));
}

/* kn_answer() for a string literal: the server keeps one response for it. */
static void kn_answer_lit(struct httpd_req *req, unsigned status,
			  const char *line)
{
	httpd_answer_static(req, status, KN_HTML, line);
}

void sb_kannel_answer(struct httpd_req *req, enum sb_word w, enum sb_reason why,
		      unsigned parts)
{
	(void)parts;
	switch (w) {
	case SB_SUCCESS:
		kn_answer_lit(req, 202, "0: Accepted for delivery");
		break;
	case SB_AUTH_FAILED:
		kn_answer_lit(req, 403, "Authorization failed for sendsms");
		break;
	case SB_NOT_ALLOWED:
		if (why == SB_R_CREDIT)
			kn_answer_lit(req, 402, "Not enough credit, rejected");
		else if (why == SB_R_SENDER)
			kn_answer_lit(req, 403, "Sender not allowed, rejected");
		else
			kn_answer_lit(req, 403, "Not routable. Do not try again.");
		break;
	case SB_TOO_MANY_NUMBERS:
		kn_answer_lit(req, 400, "Too many receivers, rejected");
		break;
	case SB_WRONG_NUMBER:
		kn_answer_lit(req, 400, "Garbage 'to' field, rejected.");
		break;
	case SB_TOO_LONG:
		kn_answer_lit(req, 400, "Message too long, rejected");
		break;
	case SB_WRONG_FORMAT:
	case SB_NO_MESSAGE:
	case SB_WRONG_TYPE:
		kn_answer_lit(req, 400, "Charset or body misformed, rejected");
		break;
	case SB_ERROR:
		kn_answer_lit(req, 400, "Wrong sendsms args, rejected");
		break;
	case SB_SYS_ERROR:
		kn_answer_lit(req, 503, "Sending failed.");
		break;
	case SB_FAILED:
	default:
		kn_answer_lit(req, 500, "Sending failed.");
		break;
	}
}

/* ---- the fields from a query or a form ---------------------------------- */

static void kn_get(const struct http_params *ps, const char *name,
		   struct kn_str *out)
{
	const struct http_param *p = http_params_get(ps, name);

	if (p != NULL && !out->set) {
		out->p = p->value;
		out->len = p->value_len;
		out->set = true;
	}
}

static void kn_from_params(const struct http_params *ps, struct kn_fields *f)
{
	kn_get(ps, "username", &f->user);
	kn_get(ps, "user", &f->user);
	kn_get(ps, "password", &f->pass);
	kn_get(ps, "pass", &f->pass);
	kn_get(ps, "from", &f->from);
	kn_get(ps, "to", &f->to);
	kn_get(ps, "text", &f->text);
	kn_get(ps, "charset", &f->charset);
	kn_get(ps, "udh", &f->udh);
	kn_get(ps, "coding", &f->coding);
	kn_get(ps, "mclass", &f->mclass);
	kn_get(ps, "dlr-mask", &f->dlr_mask);
	kn_get(ps, "dlrmask", &f->dlr_mask);
	kn_get(ps, "dlr-url", &f->dlr_url);
	kn_get(ps, "dlrurl", &f->dlr_url);
	kn_get(ps, "validity", &f->validity);
	kn_get(ps, "deferred", &f->deferred);
	kn_get(ps, "priority", &f->priority);
}

static void kn_fields_fini(struct kn_fields *f)
{
	for (size_t i = 0; i < f->nown; i++)
		free(f->own[i]);
}

/* Keeps p (malloc'ed) with the fields; returns it, or NULL (p freed). */
static char *kn_own(struct kn_fields *f, char *p)
{
	if (p == NULL || f->nown >= KN_XML_VALUES) {
		free(p);
		return NULL;
	}
	f->own[f->nown++] = p;
	return p;
}

/* ---- the XML form ------------------------------------------------------------ */

static xmlNode *kn_child(xmlNode *n, const char *name)
{
	for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* The trimmed text of element n into *out (a copy kept with f). */
static void kn_xml_text(struct kn_fields *f, xmlNode *n, struct kn_str *out)
{
	xmlChar *t;
	char *p;
	size_t len;

	if (n == NULL || out->set)
		return;
	t = xmlNodeGetContent(n);
	if (t == NULL)
		return;
	p = (char *)t;
	len = strlen(p);
	while (len > 0 && strchr(" \t\r\n", p[len - 1]) != NULL)
		len--;
	while (len > 0 && strchr(" \t\r\n", *p) != NULL) {
		p++;
		len--;
	}
	p = kn_own(f, strndup(p, len));
	xmlFree(t);
	if (p == NULL)
		return;
	out->p = p;
	out->len = len;
	out->set = true;
}

/* The da/number elements joined by spaces. */
static void kn_xml_numbers(struct kn_fields *f, xmlNode *submit)
{
	size_t len = 0;
	char *all = NULL;

	for (xmlNode *da = submit->children; da != NULL; da = da->next) {
		if (da->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)da->name, "da") != 0)
			continue;
		for (xmlNode *n = da->children; n != NULL; n = n->next) {
			xmlChar *t;
			size_t tl;
			char *grown;

			if (n->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)n->name, "number") != 0 ||
			    (t = xmlNodeGetContent(n)) == NULL)
				continue;
			tl = strlen((const char *)t);
			grown = len + tl + 2 <= KN_TEXT_MAX ?
				realloc(all, len + tl + 2) : NULL;
			if (grown == NULL) {
				xmlFree(t);
				free(all);
				return;
			}
			all = grown;
			if (len > 0)
				all[len++] = ' ';
			memcpy(all + len, t, tl);
			len += tl;
			all[len] = 0;
			xmlFree(t);
		}
	}
	if (all != NULL && kn_own(f, all) != NULL) {
		f->to.p = all;
		f->to.len = len;
		f->to.set = true;
	}
}

/* Hex when it is hex, else %-decoded (Kannel's rule for ud and udh). */
static void kn_xml_decode(struct kn_fields *f, struct kn_str *v)
{
	char *out;
	int n;

	if (!v->set || v->len == 0)
		return;
	out = malloc(v->len + 1);
	if (out == NULL)
		return;
	n = http_params_hex_decode(v->p, v->len, (uint8_t *)out, v->len + 1);
	if (n < 0) {
		struct http_params ps;
		char *buf = malloc(v->len + 8);
		char *q = malloc(v->len + 3);

		n = -1;
		if (buf != NULL && q != NULL) {
			q[0] = 'v';
			q[1] = '=';
			memcpy(q + 2, v->p, v->len);
			http_params_init(&ps, buf, v->len + 8, 1,
					 HTTP_PARAMS_ALLOW_NUL);
			if (http_params_parse((const uint8_t *)q, v->len + 2,
					      &ps) == 1) {
				memcpy(out, ps.p[0].value, ps.p[0].value_len);
				n = (int)ps.p[0].value_len;
			}
		}
		free(buf);
		free(q);
	}
	if (n < 0 || kn_own(f, out) == NULL) {
		if (n < 0)
			free(out);
		return;
	}
	out[n] = 0;
	v->p = out;
	v->len = (size_t)n;
}

/* Returns 0, or -1 when the document is not Kannel's XML. */
static int kn_from_xml(const char *body, size_t len, struct kn_fields *f)
{
	xmlDoc *doc;
	xmlNode *root, *sub, *n;
	int rc = -1;

	if (len > (size_t)KN_TEXT_MAX * 4)
		return -1;
	doc = xmlReadMemory(body, (int)len, "sendsms.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
			    XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL || root == NULL ||
	    strcmp((const char *)root->name, "message") != 0 ||
	    (sub = kn_child(root, "submit")) == NULL)
		goto done;
	n = kn_child(sub, "from");
	kn_xml_text(f, kn_child(n, "user"), &f->user);
	kn_xml_text(f, kn_child(n, "username"), &f->user);
	kn_xml_text(f, kn_child(n, "pass"), &f->pass);
	kn_xml_text(f, kn_child(n, "password"), &f->pass);
	kn_xml_text(f, kn_child(kn_child(sub, "oa"), "number"), &f->from);
	kn_xml_numbers(f, sub);
	kn_xml_text(f, kn_child(sub, "ud"), &f->text);
	kn_xml_text(f, kn_child(sub, "udh"), &f->udh);
	kn_xml_decode(f, &f->text);
	kn_xml_decode(f, &f->udh);
	n = kn_child(sub, "dcs");
	kn_xml_text(f, kn_child(n, "mclass"), &f->mclass);
	kn_xml_text(f, kn_child(n, "coding"), &f->coding);
	n = kn_child(sub, "statusrequest");
	kn_xml_text(f, kn_child(n, "dlr-mask"), &f->dlr_mask);
	kn_xml_text(f, kn_child(n, "dlr-url"), &f->dlr_url);
	kn_xml_text(f, kn_child(kn_child(sub, "vp"), "delay"), &f->validity);
	kn_xml_text(f, kn_child(kn_child(sub, "timing"), "delay"), &f->deferred);
	kn_xml_text(f, kn_child(sub, "priority"), &f->priority);
	rc = 0;
done:
	xmlFreeDoc(doc);
	return rc;
}

/* ---- checks in Kannel's order ----------------------------------------------- */

enum kn_charset { KN_UTF8, KN_LATIN1, KN_UTF16BE, KN_BAD };

static enum kn_charset kn_charset(const struct kn_str *v, enum kn_charset def)
{
	static const struct {
		const char *name;
		enum kn_charset cs;
	} names[] = {
		{ "UTF-8", KN_UTF8 }, { "UTF8", KN_UTF8 },
		{ "ISO-8859-1", KN_LATIN1 }, { "ISO8859-1", KN_LATIN1 },
		{ "latin1", KN_LATIN1 }, { "UTF-16BE", KN_UTF16BE },
		{ "UTF-16", KN_UTF16BE }, { "UCS-2", KN_UTF16BE },
		{ "UCS-2BE", KN_UTF16BE },
	};

	if (!v->set || v->len == 0)
		return def;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == v->len &&
		    strncasecmp(names[i].name, v->p, v->len) == 0)
			return names[i].cs;
	return KN_BAD;
}

/* An optional integer in [lo, hi]: 0 (and *out, unchanged when unset) or -1. */
static int kn_int(const struct kn_str *v, long lo, long hi, long *out)
{
	long n = 0;
	size_t i = 0;
	bool neg = false;

	if (!v->set)
		return 0;
	if (v->len > 0 && v->p[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == v->len || v->len - i > 9)
		return -1;
	for (; i < v->len; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return -1;
		n = n * 10 + (v->p[i] - '0');
	}
	n = neg ? -n : n;
	if (n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* The recipients: words separated by spaces, each [+]digits. */
static int kn_numbers(struct sb_send *s, const struct kn_str *to, size_t max)
{
	size_t i = 0;

	while (i < to->len) {
		size_t e;

		if (to->p[i] == ' ' || to->p[i] == '\t') {
			i++;
			continue;
		}
		for (e = i; e < to->len && to->p[e] != ' ' && to->p[e] != '\t'; e++)
			;
		if (to->p[i] == '+')
			i++;
		if (s->nto >= max)
			return SB_TOO_MANY_NUMBERS;
		if (!sb_number_valid(to->p + i, e - i))
			return SB_WRONG_NUMBER;
		memcpy(s->to[s->nto], to->p + i, e - i);
		s->to[s->nto++][e - i] = 0;
		i = e;
	}
	return s->nto > 0 ? SB_SUCCESS : SB_WRONG_NUMBER;
}

static size_t kn_words(const struct kn_str *to)
{
	size_t n = 0;

	for (size_t i = 0; i < to->len; i++)
		if (to->p[i] != ' ' && to->p[i] != '\t' &&
		    (i == 0 || to->p[i - 1] == ' ' || to->p[i - 1] == '\t'))
			n++;
	return n;
}

static uint8_t *kn_dup(const char *p, size_t len)
{
	uint8_t *d = malloc(len + 1);

	if (d != NULL && len > 0)
		memcpy(d, p, len);
	return d;
}

/* The text by coding and charset into s. Returns NULL or the reject line. */
static const char *kn_text(struct sb_send *s, const struct kn_fields *f,
			   long coding)
{
	const char *t = f->text.set ? f->text.p : "";
	size_t len = f->text.set ? f->text.len : 0;
	enum kn_charset cs = kn_charset(&f->charset,
					coding == 2 ? KN_UTF16BE : KN_UTF8);
	int n;

	if (cs == KN_BAD)
		return "Charset or body misformed, rejected";
	if (coding == 1) {
		s->kind = MT_ACCEPT_BINARY;
		s->data = kn_dup(t, len);
		s->len = len;
		return s->data == NULL ? "Sending failed." : NULL;
	}
	s->kind = MT_ACCEPT_TEXT;
	s->ucs2 = coding == 2;
	if (cs == KN_UTF16BE) {
		if (coding == 2) {
			s->kind = MT_ACCEPT_UCS2;
			s->data = kn_dup(t, len);
			s->len = len;
			return len % 2 != 0 ? "Charset or body misformed, rejected" :
			       NULL;
		}
		s->data = malloc(len / 2 * 3 + 4);
		if (s->data == NULL)
			return "Sending failed.";
		n = ucs2_to_utf8((const uint8_t *)t, len, 0, s->data,
				 len / 2 * 3 + 4, NULL);
	} else if (cs == KN_LATIN1) {
		s->data = malloc(2 * len + 1);
		if (s->data == NULL)
			return "Sending failed.";
		n = latin1_to_utf8((const uint8_t *)t, len, s->data, 2 * len + 1);
	} else {
		s->data = kn_dup(t, len);
		n = ucs2_units((const uint8_t *)t, len, NULL) >= 0 ? (int)len : -1;
	}
	if (n < 0)
		return "Charset or body misformed, rejected";
	s->len = (size_t)n;
	return NULL;
}

/* The fields after the receivers, in Kannel's order. */
static const char *kn_fields_check(struct sb_send *s, const struct kn_fields *f)
{
	long mask = 0, mclass = -1, coding = -1, validity = -1, deferred = -1;
	long prio = 0;

	if (f->udh.set && f->udh.len > 0 &&
	    f->udh.len != (size_t)(uint8_t)f->udh.p[0] + 1)
		return "UDH field misformed, rejected";
	if (f->udh.len > UDH_MAX_LEN)
		return "UDH field is too long, rejected";
	if (!f->from.set || f->from.len == 0)
		return "Sender missing and no global set, rejected";
	if (!sb_sender_valid(f->from.p, f->from.len))
		return "Sender field misformed, rejected";
	if (f->dlr_url.set && f->dlr_url.len > 0 &&
	    (f->dlr_url.len >= ACCOUNT_URL_MAX ||
	     memchr(f->dlr_url.p, 0, f->dlr_url.len) != NULL ||
	     !(strncasecmp(f->dlr_url.p, "http://", 7) == 0 ||
	       strncasecmp(f->dlr_url.p, "https://", 8) == 0)))
		return "DLR-URL field misformed, rejected";
	if (kn_int(&f->dlr_mask, 0, 63, &mask) != 0)
		return "DLR-Mask field misformed, rejected";
	if (kn_int(&f->mclass, 0, 3, &mclass) != 0)
		return "MClass field misformed, rejected";
	if (kn_int(&f->coding, 0, 2, &coding) != 0)
		return "Coding field misformed, rejected";
	if (kn_int(&f->validity, 0, 10000000, &validity) != 0)
		return "Validity field misformed, rejected";
	if (kn_int(&f->deferred, 0, 10000000, &deferred) != 0)
		return "Deferred field misformed, rejected";
	if (kn_int(&f->priority, 0, 3, &prio) != 0)
		return "Priority field misformed, rejected";
	if (coding < 0)
		coding = f->udh.len > 0 ? 1 : 0;
	if (f->udh.len > 1 && coding != 1)
		return "UDH needs coding=1, rejected";
	memcpy(s->from, f->from.p, f->from.len);
	s->flash = mclass == 0;
	s->mclass = mclass > 0 ? (unsigned)mclass : 0;
	s->priority = (unsigned)prio;
	s->validity_s = validity >= 0 ? validity * 60 : -1;
	s->deferred_s = deferred > 0 ? deferred * 60 : 0;
	if (f->dlr_mask.set)
		snprintf(s->dlr_mask, sizeof(s->dlr_mask), "%ld", mask);
	s->dlr = mask != 0;
	/* type 8 goes to a dlr-url only (doc/callbacks.md): ask the bearerbox
	 * for its event only then */
	s->ack = (mask & 8) != 0 && f->dlr_url.set && f->dlr_url.len > 0;
	/* likewise type 4: intermediate receipts become events only then */
	s->interim = (mask & 4) != 0 && f->dlr_url.set && f->dlr_url.len > 0;
	if (f->dlr_url.set && f->dlr_url.len > 0 &&
	    (s->dlr_url = strndup(f->dlr_url.p, f->dlr_url.len)) == NULL)
		return "Sending failed.";
	if (f->udh.len > 1) {
		s->udh = kn_dup(f->udh.p, f->udh.len);
		s->udh_len = f->udh.len;
		if (s->udh == NULL)
			return "Sending failed.";
	}
	return kn_text(s, f, coding);
}

/* Builds the request. Returns NULL with *out set, or an answer to send now. */
static const char *kn_build(const struct kn_fields *f, struct sb_send **out,
			    unsigned *status)
{
	struct sb_send *s;
	int rc;

	*status = 403;
	if (!f->user.set || !f->pass.set || f->user.len == 0)
		return "Authorization failed for sendsms";
	*status = 500;
	s = sb_send_new(f->to.set ? kn_words(&f->to) : 0);
	if (s == NULL)
		return "Sending failed.";
	*out = s;
	sb_send_auth(s, f->user.p, f->user.len, f->pass.p, f->pass.len);
	s->reject_status = 400;
	if (!f->to.set)
		s->reject = "Missing receiver number, rejected";
	else if (f->to.len == 0)
		s->reject = "Empty receiver number not allowed, rejected";
	else if ((rc = kn_numbers(s, &f->to, MT_ACCEPT_RECIPIENTS_MAX)) !=
		 SB_SUCCESS)
		s->reject = rc == SB_TOO_MANY_NUMBERS ?
			    "Too many receivers, rejected" :
			    "Garbage 'to' field, rejected.";
	else
		s->reject = kn_fields_check(s, f);
	if (s->reject != NULL && strcmp(s->reject, "Sending failed.") == 0)
		s->reject_status = 500;
	return NULL;
}

void sb_kannel_sendsms(struct sb_api *api, struct httpd_req *req)
{
	const char *ct = httpd_req_header(req, "Content-Type");
	struct http_params ps;
	struct kn_fields f;
	struct sb_send *s = NULL;
	const char *line = NULL;
	unsigned status = 400;
	char *buf = NULL;

	memset(&f, 0, sizeof(f));
	if (strcmp(httpd_req_method(req), "POST") == 0 && ct != NULL &&
	    (strncasecmp(ct, "text/xml", 8) == 0 ||
	     strncasecmp(ct, "application/xml", 15) == 0)) {
		size_t len;
		const char *body = httpd_req_body(req, &len);

		if (kn_from_xml(body, len, &f) != 0)
			line = "Invalid XML document, rejected";
	} else {
		/* binary text and UDH may hold NUL octets */
		int rc = sb_api_params(req, &ps, &buf, HTTP_PARAMS_ALLOW_NUL);

		if (rc == -100)
			line = "Invalid content-type";
		else if (rc < 0)
			line = "Wrong sendsms args, rejected";
		else
			kn_from_params(&ps, &f);
	}
	if (line == NULL)
		line = kn_build(&f, &s, &status);
	free(buf);
	kn_fields_fini(&f);
	if (line != NULL) {
		kn_answer(req, status, line);
		sb_send_free(s);
		return;
	}
	sb_api_send(api, req, s, SB_KANNEL);
}
