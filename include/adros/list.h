/* Intrusive circular doubly-linked lists. */
#ifndef ADROS_LIST_H
#define ADROS_LIST_H

#include <adros/types.h>

struct list_node {
    struct list_node *next, *prev;
};

#define LIST_INIT(name) { &(name), &(name) }

static inline void list_init(struct list_node *h) { h->next = h->prev = h; }
static inline bool list_empty(const struct list_node *h) { return h->next == h; }
static inline void list_insert_after(struct list_node *pos, struct list_node *n)
{
    n->next = pos->next;
    n->prev = pos;
    pos->next->prev = n;
    pos->next = n;
}
static inline void list_push_back(struct list_node *h, struct list_node *n) { list_insert_after(h->prev, n); }
static inline void list_push_front(struct list_node *h, struct list_node *n) { list_insert_after(h, n); }
static inline void list_remove(struct list_node *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = n;
}
static inline struct list_node *list_pop_front(struct list_node *h)
{
    struct list_node *n = h->next;
    if (n == h)
        return NULL;
    list_remove(n);
    return n;
}
/* True while the node is linked into some list (nodes are self-linked when free). */
static inline bool list_linked(const struct list_node *n) { return n->next != n; }

#define list_entry(p, type, member) container_of(p, type, member)
#define list_for_each(it, h) for ((it) = (h)->next; (it) != (h); (it) = (it)->next)
#define list_for_each_safe(it, tmp, h) \
    for ((it) = (h)->next, (tmp) = (it)->next; (it) != (h); (it) = (tmp), (tmp) = (it)->next)

#endif
