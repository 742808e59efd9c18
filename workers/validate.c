/*  validate: event validation rules. */
#include "workers/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "workers/store.h"

#define S_TEXT_MAX 128      //  Titles, unit names
#define S_CODE_MAX 64       //  Exit reason codes, source names
#define S_LEVEL_MAX 100
#define S_EARLIEST_SECONDS (-2208988800LL)  //  1900-01-01T00:00:00Z

typedef Hrwatch__V1__Reason s_reason_t;

#define S_OK HRWATCH__V1__REASON__REASON_NONE
#define S_MISSING HRWATCH__V1__REASON__REASON_MISSING_FIELD
#define S_RANGE HRWATCH__V1__REASON__REASON_OUT_OF_RANGE
#define S_TOO_LARGE HRWATCH__V1__REASON__REASON_TOO_LARGE
#define S_BAD_ID HRWATCH__V1__REASON__REASON_INVALID_ID
#define S_BAD_VALUE HRWATCH__V1__REASON__REASON_INVALID_VALUE

//  A validation step: the reason and the message, or S_OK.
typedef struct {
    char *msg;          //  Where the message goes
    size_t cap;         //  Its size
    char *field;        //  Where the offending field's name goes
    size_t field_cap;
} s_ctx_t;

static s_reason_t s_fail (s_ctx_t *c, s_reason_t reason, const char *field, const char *fmt,
                          ...) __attribute__ ((format (printf, 4, 5)));

static s_reason_t
s_fail (s_ctx_t *c, s_reason_t reason, const char *field, const char *fmt, ...)
{
    snprintf (c->field, c->field_cap, "%s", field);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (c->msg, c->cap, fmt, ap);
    va_end (ap);
    return reason;
}

void
hrw_limits_default (hrw_limits_t *lim)
{
    lim->max_frame_bytes = 4 * 1024 * 1024;
    lim->max_batch_events = 10000;
    lim->max_event_bytes = 64 * 1024;
    lim->max_future_us = 86400LL * HRW_US_PER_SEC;
    lim->max_future_days = 366;
}

int
hrw_validate_id (const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
              || ch == '.' || ch == '_' || ch == ':' || ch == '@' || ch == '-';
        if (!ok || n >= HRW_ID_MAX)
            return 0;
    }
    return n > 0;
}

int
hrw_validate_utf8 (const char *s)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        int n;
        uint32_t cp;
        if (*p < 0x80) {
            p++;
            continue;
        }
        else if ((*p & 0xE0) == 0xC0) { n = 1; cp = *p & 0x1F; }
        else if ((*p & 0xF0) == 0xE0) { n = 2; cp = *p & 0x0F; }
        else if ((*p & 0xF8) == 0xF0) { n = 3; cp = *p & 0x07; }
        else
            return 0;
        p++;
        for (int i = 0; i < n; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (*p & 0x3F);
        }
        //  Overlong forms, surrogates and values beyond Unicode.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return 0;
    }
    return 1;
}

static s_reason_t
s_id (s_ctx_t *c, const char *field, const char *value, int required)
{
    if (!*value)
        return required? s_fail (c, S_MISSING, field, "%s is empty", field): S_OK;
    if (!hrw_validate_id (value))
        return s_fail (c, S_BAD_ID, field, "%s is not 1-%d bytes of [A-Za-z0-9._:@-]", field, HRW_ID_MAX);
    return S_OK;
}

static s_reason_t
s_text (s_ctx_t *c, const char *field, const char *value, size_t max)
{
    size_t n = strlen (value);
    if (n > max)
        return s_fail (c, S_TOO_LARGE, field, "%s is %zu bytes, over %zu", field, n, max);
    if (!hrw_validate_utf8 (value))
        return s_fail (c, S_BAD_VALUE, field, "%s is not valid UTF-8", field);
    return S_OK;
}

static s_reason_t
s_level (s_ctx_t *c, const char *field, int32_t level)
{
    if (level < 0 || level > S_LEVEL_MAX)
        return s_fail (c, S_RANGE, field, "%s %d is outside 0..%d", field, level, S_LEVEL_MAX);
    return S_OK;
}

//  Chains checks: the first failure wins.
#define S_CHECK(expr)                                                                          \
    do {                                                                                       \
        s_reason_t r_ = (expr);                                                                \
        if (r_ != S_OK)                                                                        \
            return r_;                                                                         \
    } while (0)

//  kind is the body's field name; the paths are spelled out so the common
//  path formats nothing.
#define S_MENTORSHIP(c, kind, body)                                                            \
    s_mentorship (c, kind ".mentor_id", kind ".mentee_id", (body)->mentor_id, (body)->mentee_id)

static s_reason_t
s_mentorship (s_ctx_t *c, const char *mentor_field, const char *mentee_field, const char *mentor,
              const char *mentee)
{
    S_CHECK (s_id (c, mentor_field, mentor, 1));
    S_CHECK (s_id (c, mentee_field, mentee, 1));
    if (!strcmp (mentor, mentee))
        return s_fail (c, S_BAD_VALUE, mentee_field, "%s is the mentor", mentee_field);
    return S_OK;
}

static s_reason_t
s_event_id_named (s_ctx_t *c, const char *field, const char *id)
{
    size_t n = strlen (id);
    if (n == 0)
        return s_fail (c, S_MISSING, field, "%s is empty", field);
    if (n > HRW_EVENT_ID_MAX)
        return s_fail (c, S_BAD_ID, field, "%s is %zu bytes, over %d", field, n, HRW_EVENT_ID_MAX);
    for (size_t i = 0; i < n; i++)
        if (id[i] < 0x21 || id[i] > 0x7e)
            return s_fail (c, S_BAD_ID, field, "%s has a byte outside printable ASCII at %zu",
                           field, i);
    return S_OK;
}

//  What a void or a correction names: another event's id.
static s_reason_t
s_other_event (s_ctx_t *c, const char *field, const char *id, const char *own)
{
    S_CHECK (s_event_id_named (c, field, id));
    if (!strcmp (id, own))
        return s_fail (c, S_BAD_VALUE, field, "%s is the event's own id", field);
    return S_OK;
}

static s_reason_t
s_body (s_ctx_t *c, const Hrwatch__V1__Event *ev)
{
    switch (ev->body_case) {
        case HRWATCH__V1__EVENT__BODY_HIRE: {
            const Hrwatch__V1__Hire *m = ev->hire;
            S_CHECK (s_id (c, "hire.employee_id", m->employee_id, 1));
            S_CHECK (s_id (c, "hire.unit_id", m->unit_id, 1));
            S_CHECK (s_id (c, "hire.position_id", m->position_id, 0));
            S_CHECK (s_id (c, "hire.manager_id", m->manager_id, 0));
            if (!strcmp (m->manager_id, m->employee_id))
                return s_fail (c, S_BAD_VALUE, "hire.manager_id", "hire.manager_id is the employee");
            return s_level (c, "hire.level", m->level);
        }
        case HRWATCH__V1__EVENT__BODY_EXIT: {
            const Hrwatch__V1__Exit *m = ev->exit;
            S_CHECK (s_id (c, "exit.employee_id", m->employee_id, 1));
            if (m->type == HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_UNSPECIFIED)
                return s_fail (c, S_MISSING, "exit.type", "exit.type is unspecified");
            if (m->type != HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_VOLUNTARY
                && m->type != HRWATCH__V1__EXIT_TYPE__EXIT_TYPE_INVOLUNTARY)
                return s_fail (c, S_RANGE, "exit.type", "exit.type %d is not a known exit type", m->type);
            return s_text (c, "exit.reason_code", m->reason_code, S_CODE_MAX);
        }
        case HRWATCH__V1__EVENT__BODY_PROMOTION: {
            const Hrwatch__V1__Promotion *m = ev->promotion;
            S_CHECK (s_id (c, "promotion.employee_id", m->employee_id, 1));
            S_CHECK (s_id (c, "promotion.new_position_id", m->new_position_id, 1));
            return s_level (c, "promotion.new_level", m->new_level);
        }
        case HRWATCH__V1__EVENT__BODY_TRANSFER: {
            const Hrwatch__V1__Transfer *m = ev->transfer;
            S_CHECK (s_id (c, "transfer.employee_id", m->employee_id, 1));
            S_CHECK (s_id (c, "transfer.new_unit_id", m->new_unit_id, 1));
            S_CHECK (s_id (c, "transfer.new_manager_id", m->new_manager_id, 0));
            if (!strcmp (m->new_manager_id, m->employee_id))
                return s_fail (c, S_BAD_VALUE, "transfer.new_manager_id", "transfer.new_manager_id is the employee");
            return S_OK;
        }
        case HRWATCH__V1__EVENT__BODY_ORG_UNIT_DEFINED: {
            const Hrwatch__V1__OrgUnitDefined *m = ev->org_unit_defined;
            S_CHECK (s_id (c, "org_unit_defined.unit_id", m->unit_id, 1));
            S_CHECK (s_id (c, "org_unit_defined.parent_id", m->parent_id, 0));
            if (!strcmp (m->parent_id, m->unit_id))
                return s_fail (c, S_BAD_VALUE, "org_unit_defined.parent_id", "org_unit_defined.parent_id is the unit itself");
            return s_text (c, "org_unit_defined.name", m->name, S_TEXT_MAX);
        }
        case HRWATCH__V1__EVENT__BODY_POSITION_DEFINED: {
            const Hrwatch__V1__PositionDefined *m = ev->position_defined;
            S_CHECK (s_id (c, "position_defined.position_id", m->position_id, 1));
            S_CHECK (s_id (c, "position_defined.unit_id", m->unit_id, 1));
            S_CHECK (s_id (c, "position_defined.incumbent_id", m->incumbent_id, 0));
            return s_text (c, "position_defined.title", m->title, S_TEXT_MAX);
        }
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_NOMINATED: {
            const Hrwatch__V1__SuccessorNominated *m = ev->successor_nominated;
            S_CHECK (s_id (c, "successor_nominated.position_id", m->position_id, 1));
            S_CHECK (s_id (c, "successor_nominated.employee_id", m->employee_id, 1));
            if (m->readiness == HRWATCH__V1__READINESS__READINESS_UNSPECIFIED)
                return s_fail (c, S_MISSING, "successor_nominated.readiness", "successor_nominated.readiness is unspecified");
            if (m->readiness < HRWATCH__V1__READINESS__READINESS_READY_NOW
                || m->readiness > HRWATCH__V1__READINESS__READINESS_READY_3_PLUS_YEARS)
                return s_fail (c, S_RANGE, "successor_nominated.readiness", "successor_nominated.readiness %d is not known",
                               m->readiness);
            return S_OK;
        }
        case HRWATCH__V1__EVENT__BODY_SUCCESSOR_WITHDRAWN: {
            const Hrwatch__V1__SuccessorWithdrawn *m = ev->successor_withdrawn;
            S_CHECK (s_id (c, "successor_withdrawn.position_id", m->position_id, 1));
            return s_id (c, "successor_withdrawn.employee_id", m->employee_id, 1);
        }
        case HRWATCH__V1__EVENT__BODY_MENTOR_ASSIGNED:
            return S_MENTORSHIP (c, "mentor_assigned", ev->mentor_assigned);
        case HRWATCH__V1__EVENT__BODY_MENTOR_ENDED:
            return S_MENTORSHIP (c, "mentor_ended", ev->mentor_ended);
        case HRWATCH__V1__EVENT__BODY_SURVEY_RESPONSE: {
            const Hrwatch__V1__SurveyResponse *m = ev->survey_response;
            S_CHECK (s_id (c, "survey_response.survey_cycle_id", m->survey_cycle_id, 1));
            S_CHECK (s_id (c, "survey_response.unit_id", m->unit_id, 1));
            if (m->engagement == 0)
                return s_fail (c, S_MISSING, "survey_response.engagement", "survey_response.engagement is missing");
            if (m->engagement < 1 || m->engagement > 5)
                return s_fail (c, S_RANGE, "survey_response.engagement", "survey_response.engagement %d is outside 1..5",
                               m->engagement);
            if (m->enps_answer_case == HRWATCH__V1__SURVEY_RESPONSE__ENPS_ANSWER_ENPS && (m->enps < 0 || m->enps > 10))
                return s_fail (c, S_RANGE, "survey_response.enps", "survey_response.enps %d is outside 0..10", m->enps);
            return S_OK;
        }
        case HRWATCH__V1__EVENT__BODY_SURVEY_CYCLE_CLOSED: {
            const Hrwatch__V1__SurveyCycleClosed *m = ev->survey_cycle_closed;
            S_CHECK (s_id (c, "survey_cycle_closed.survey_cycle_id", m->survey_cycle_id, 1));
            //  Empty: the cycle closes for every unit.
            return s_id (c, "survey_cycle_closed.unit_id", m->unit_id, 0);
        }
        case HRWATCH__V1__EVENT__BODY_EVENT_VOIDED:
            if (*ev->corrects_event_id)
                return s_fail (c, S_BAD_VALUE, "corrects_event_id",
                               "corrects_event_id goes on the corrected event, not on a "
                               "void");
            return s_other_event (c, "event_voided.voided_event_id",
                                  ev->event_voided->voided_event_id, ev->event_id);
        default:
            if (ev->base.n_unknown_fields > 0)
                return s_fail (c, HRWATCH__V1__REASON__REASON_UNSUPPORTED_TYPE, "event", "event body is of a type this version does not know");
            return s_fail (c, S_MISSING, "event", "event has no body");
    }
}

//  A timestamp no earlier than 1900 and at most ahead_us past the wall
//  clock: scheduled changes lead it by days, but when a change was
//  recorded cannot (much), or the clock that follows it would run ahead.
static s_reason_t
s_time (s_ctx_t *c, const char *field, const Google__Protobuf__Timestamp *t, int64_t ahead_us,
        const char *limit, int64_t now_us)
{
    if (t->nanos < 0 || t->nanos > 999999999) {
        char sub[40];
        snprintf (sub, sizeof (sub), "%s.nanos", field);
        return s_fail (c, S_RANGE, sub, "%s %d is outside 0..999999999", sub, t->nanos);
    }
    if (t->seconds < S_EARLIEST_SECONDS)
        return s_fail (c, S_RANGE, field, "%s is before 1900-01-01", field);
    //  Past 9999 the seconds would overflow microseconds long before it
    //  matters; the future check catches everything beyond the clock.
    int64_t limit_s = (now_us + ahead_us) / HRW_US_PER_SEC;
    if (t->seconds > limit_s) {
        char when[40];
        hrw_clock_format (now_us, when, sizeof (when));
        return s_fail (c, HRWATCH__V1__REASON__REASON_FUTURE_TIMESTAMP, field,
                       "%s is %lld s ahead of the daemon's clock (%s); at most %lld s (%s) "
                       "allowed", field, (long long) (t->seconds - now_us / HRW_US_PER_SEC),
                       when, (long long) (ahead_us / HRW_US_PER_SEC), limit);
    }
    return S_OK;
}

static s_reason_t
s_times (s_ctx_t *c, const Hrwatch__V1__Event *ev, const hrw_limits_t *lim, int64_t now_us)
{
    if (!ev->occurred_at)
        return s_fail (c, S_MISSING, "occurred_at", "occurred_at is missing");
    S_CHECK (s_time (c, "occurred_at", ev->occurred_at,
                     (int64_t) lim->max_future_days * 86400 * HRW_US_PER_SEC,
                     "ingest.max_future_days", now_us));
    if (!ev->recorded_at)
        return S_OK;
    return s_time (c, "recorded_at", ev->recorded_at, lim->max_future_us,
                   "ingest.max_future_seconds", now_us);
}

Hrwatch__V1__Reason
hrw_validate_event (const Hrwatch__V1__Event *ev, size_t encoded_len, const hrw_limits_t *lim,
                    int64_t now_us, char *msg, size_t msg_cap, char *field, size_t field_cap)
{
    s_ctx_t c = { msg, msg_cap, field, field_cap };
    msg[0] = '\0';
    field[0] = '\0';
    if (encoded_len > lim->max_event_bytes)
        return s_fail (&c, S_TOO_LARGE, "event", "event is %zu bytes, over %u", encoded_len,
                       lim->max_event_bytes);
    S_CHECK (s_event_id_named (&c, "event_id", ev->event_id));
    S_CHECK (s_times (&c, ev, lim, now_us));
    if (*ev->corrects_event_id)
        S_CHECK (s_other_event (&c, "corrects_event_id", ev->corrects_event_id, ev->event_id));
    if (!*ev->source)
        return s_fail (&c, S_MISSING, "source", "source is empty");
    S_CHECK (s_text (&c, "source", ev->source, S_CODE_MAX));
    return s_body (&c, ev);
}

const char *
hrw_reason_name (int reason)
{
    const ProtobufCEnumValue *v
        = protobuf_c_enum_descriptor_get_value (&hrwatch__v1__reason__descriptor, reason);
    return v? v->name: "REASON_UNKNOWN";
}
