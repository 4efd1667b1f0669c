using Datom.Vm.Ast;
using Datom.Vm.Loading;
using Datom.Vm.Reading;

namespace Datom.Vm.Machine;

/// <summary>
/// The higher-order built-ins, written in Yin itself so that they run on the machine like any
/// other code: they use fuel, count toward depth, and can be suspended and resumed in the middle.
/// Natives never call back into Yin, which keeps the machine free of host recursion.
/// </summary>
internal static class Prelude
{
    public const string Source = """
        (ns yin.core)

        (defn reduce
          ([f coll]
           (let [s (seq coll)]
             (if s (reduce f (first s) (next s)) (f))))
          ([f init coll]
           (loop [s (seq coll) acc init]
             (if (reduced? acc)
               (unreduced acc)
               (if s (recur (next s) (f acc (first s))) acc)))))

        (defn reductions
          ([f coll]
           (lazy-seq
             (let [s (seq coll)]
               (if s (reductions f (first s) (rest s)) (list (f))))))
          ([f init coll]
           (if (reduced? init)
             (list (unreduced init))
             (cons init
                   (lazy-seq
                     (let [s (seq coll)]
                       (when s (reductions f (f init (first s)) (rest s)))))))))

        (defn map
          ([f]
           (fn [rf]
             (fn ([] (rf)) ([result] (rf result)) ([result input] (rf result (f input))))))
          ([f coll]
           (lazy-seq
             (let [s (seq coll)]
               (when s (cons (f (first s)) (map f (rest s)))))))
          ([f c1 c2]
           (lazy-seq
             (let [s1 (seq c1) s2 (seq c2)]
               (when (and s1 s2)
                 (cons (f (first s1) (first s2)) (map f (rest s1) (rest s2)))))))
          ([f c1 c2 c3]
           (lazy-seq
             (let [s1 (seq c1) s2 (seq c2) s3 (seq c3)]
               (when (and s1 s2 s3)
                 (cons (f (first s1) (first s2) (first s3)) (map f (rest s1) (rest s2) (rest s3)))))))
          ([f c1 c2 c3 & colls]
           (let [step (fn step [cs]
                        (lazy-seq
                          (let [ss (map seq cs)]
                            (when (every? identity ss)
                              (cons (map first ss) (step (map rest ss)))))))]
             (map (fn [args] (apply f args)) (step (list* c1 c2 c3 colls))))))

        (defn mapv
          ([f coll]
           (loop [s (seq coll) acc []]
             (if s (recur (next s) (conj acc (f (first s)))) acc)))
          ([f c1 c2 & colls] (vec (apply map f c1 c2 colls))))

        (defn filter
          ([pred]
           (fn [rf]
             (fn ([] (rf)) ([result] (rf result)) ([result input] (if (pred input) (rf result input) result)))))
          ([pred coll]
          (lazy-seq
            (loop [s (seq coll)]
              (when s
                (let [x (first s)]
                  (if (pred x)
                    (cons x (filter pred (rest s)))
                    (recur (next s)))))))))

        (defn filterv [pred coll]
          (loop [s (seq coll) acc []]
            (if s
              (recur (next s) (let [x (first s)] (if (pred x) (conj acc x) acc)))
              acc)))

        (defn remove
          ([pred] (filter (fn [x] (not (pred x)))))
          ([pred coll] (filter (fn [x] (not (pred x))) coll)))

        (defn keep
          ([f]
           (fn [rf]
             (fn ([] (rf)) ([result] (rf result)) ([result input] (let [v (f input)] (if (nil? v) result (rf result v)))))))
          ([f coll]
          (lazy-seq
            (loop [s (seq coll)]
              (when s
                (let [y (f (first s))]
                  (if (nil? y) (recur (next s)) (cons y (keep f (rest s))))))))))

        (defn keep-indexed [f coll]
          (keep (fn [p] (f (first p) (second p))) (map vector (iterate inc 0) coll)))

        (defn map-indexed [f coll] (map f (iterate inc 0) coll))

        (defn mapcat
          ([f] (comp (map f) cat))
          ([f coll]
           (letfn [(step [cur s]
                     (lazy-seq
                       (if-let [c (seq cur)]
                         (cons (first c) (step (rest c) s))
                         (when-let [s (seq s)]
                           (step (f (first s)) (rest s))))))]
             (step nil coll)))
          ([f coll & colls] (mapcat (fn [args] (apply f args)) (apply map vector coll colls))))

        (defn take
          ([n]
           (fn [rf]
             (let [left (volatile! n)]
               (fn ([] (rf)) ([result] (rf result))
                 ([result input]
                  (let [k (deref left) nk (vswap! left dec)
                        result (if (pos? k) (rf result input) result)]
                    (if (not (pos? nk)) (ensure-reduced result) result)))))))
          ([n coll]
          (lazy-seq
            (when (pos? n)
              (let [s (seq coll)]
                (when s (cons (first s) (take (dec n) (rest s)))))))))

        (defn drop
          ([n]
           (fn [rf]
             (let [left (volatile! n)]
               (fn ([] (rf)) ([result] (rf result))
                 ([result input] (let [k (deref left)] (vswap! left dec) (if (pos? k) result (rf result input))))))))
          ([n coll]
          (lazy-seq
            (loop [n n s (seq coll)]
              (if (and s (pos? n)) (recur (dec n) (next s)) s)))))

        (defn take-while
          ([pred]
           (fn [rf]
             (fn ([] (rf)) ([result] (rf result))
               ([result input] (if (pred input) (rf result input) (reduced result))))))
          ([pred coll]
          (lazy-seq
            (let [s (seq coll)]
              (when (and s (pred (first s)))
                (cons (first s) (take-while pred (rest s))))))))

        (defn drop-while
          ([pred]
           (fn [rf]
             (let [dropping (volatile! true)]
               (fn ([] (rf)) ([result] (rf result))
                 ([result input]
                  (if (and (deref dropping) (pred input))
                    result
                    (do (vreset! dropping false) (rf result input))))))))
          ([pred coll]
          (lazy-seq
            (loop [s (seq coll)]
              (if (and s (pred (first s))) (recur (next s)) s)))))

        (defn take-nth [n coll]
          (lazy-seq
            (let [s (seq coll)]
              (when s (cons (first s) (take-nth n (drop n s)))))))

        (defn take-last [n coll]
          (loop [s (seq coll) lead (seq (drop n coll))]
            (if lead (recur (next s) (next lead)) s)))

        (defn drop-last
          ([coll] (drop-last 1 coll))
          ([n coll] (map (fn [x _] x) coll (drop n coll))))

        (defn butlast [coll]
          (loop [ret [] s (seq coll)]
            (if (next s) (recur (conj ret (first s)) (next s)) (seq ret))))

        (defn split-at [n coll] [(take n coll) (drop n coll)])

        (defn split-with [pred coll] [(take-while pred coll) (drop-while pred coll)])

        (defn interleave
          ([] ())
          ([c1] (lazy-seq c1))
          ([c1 c2]
           (lazy-seq
             (let [s1 (seq c1) s2 (seq c2)]
               (when (and s1 s2)
                 (cons (first s1) (cons (first s2) (interleave (rest s1) (rest s2))))))))
          ([c1 c2 & colls]
           (lazy-seq
             (let [ss (map seq (list* c1 c2 colls))]
               (when (every? identity ss)
                 (concat (map first ss) (apply interleave (map rest ss))))))))

        (defn interpose [sep coll] (drop 1 (interleave (repeat sep) coll)))

        (defn partition
          ([n coll] (partition n n coll))
          ([n step coll]
           (lazy-seq
             (let [s (seq coll)]
               (when s
                 (let [p (doall (take n s))]
                   (when (= n (count p))
                     (cons p (partition n step (nthrest s step)))))))))
          ([n step pad coll]
           (lazy-seq
             (let [s (seq coll)]
               (when s
                 (let [p (doall (take n s))]
                   (if (= n (count p))
                     (cons p (partition n step pad (nthrest s step)))
                     (list (take n (concat p pad))))))))))

        (defn partition-all
          ([n coll] (partition-all n n coll))
          ([n step coll]
           (lazy-seq
             (let [s (seq coll)]
               (when s
                 (let [seg (doall (take n s))]
                   (cons seg (partition-all n step (nthrest s step)))))))))

        (defn partition-by
          ([f]
           (fn [rf]
             (let [a (volatile! []) pv (volatile! :yin.core/none)]
               (fn ([] (rf))
                 ([result]
                  (let [v (deref a)
                        result (if (empty? v) result (unreduced (rf result v)))]
                    (rf result)))
                 ([result input]
                  (let [pval (deref pv) val (f input)]
                    (vreset! pv val)
                    (if (or (= pval :yin.core/none) (= val pval))
                      (do (vswap! a conj input) result)
                      (let [v (deref a)]
                        (vreset! a [input])
                        (rf result v)))))))))
          ([f coll]
          (lazy-seq
            (let [s (seq coll)]
              (when s
                (let [fst (first s)
                      fv (f fst)
                      run (doall (cons fst (take-while (fn [x] (= fv (f x))) (next s))))]
                  (cons run (partition-by f (lazy-seq (drop (count run) s))))))))))

        (defn distinct
          ([]
           (fn [rf]
             (let [seen (volatile! #{})]
               (fn ([] (rf))
                 ([result] (rf result))
                 ([result input]
                  (if (contains? (deref seen) input)
                    result
                    (do (vswap! seen conj input) (rf result input))))))))
          ([coll]
           (let [step (fn step [xs seen]
                        (lazy-seq
                          (loop [s (seq xs)]
                            (when s
                              (let [x (first s)]
                                (if (contains? seen x)
                                  (recur (next s))
                                  (cons x (step (rest s) (conj seen x)))))))))]
             (step coll #{}))))

        (defn replace
          ([smap] (map (fn [x] (if-let [e (find smap x)] (val e) x))))
          ([smap coll]
           (if (vector? coll)
             (reduce (fn [v i] (if-let [e (find smap (nth v i))] (assoc v i (val e)) v)) coll (range (count coll)))
             (map (fn [x] (if-let [e (find smap x)] (val e) x)) coll))))

        (defn dedupe [coll]
          (lazy-seq
            (let [s (seq coll)]
              (when s
                (let [x (first s)]
                  (cons x (dedupe (drop-while (fn [y] (= x y)) (rest s)))))))))

        (defn some [pred coll]
          (loop [s (seq coll)]
            (when s
              (let [r (pred (first s))]
                (if r r (recur (next s)))))))

        (defn every? [pred coll]
          (loop [s (seq coll)]
            (if s (if (pred (first s)) (recur (next s)) false) true)))

        (defn not-every? [pred coll] (not (every? pred coll)))

        (defn not-any? [pred coll] (not (some pred coll)))

        (defn update
          ([m k f] (assoc m k (f (get m k))))
          ([m k f x] (assoc m k (f (get m k) x)))
          ([m k f x y] (assoc m k (f (get m k) x y)))
          ([m k f x y & more] (assoc m k (apply f (get m k) x y more))))

        (defn update-in [m ks f & args]
          (let [k (first ks) more (next ks)]
            (if more
              (assoc m k (apply update-in (get m k) more f args))
              (assoc m k (apply f (get m k) args)))))

        (defn assoc-in [m ks v]
          (let [k (first ks) more (next ks)]
            (if more
              (assoc m k (assoc-in (get m k) more v))
              (assoc m k v))))

        (defn update-keys [m f] (reduce-kv (fn [acc k v] (assoc acc (f k) v)) {} m))

        (defn update-vals [m f] (reduce-kv (fn [acc k v] (assoc acc k (f v))) m m))

        (defn merge-with [f & maps]
          (when (some identity maps)
            (reduce (fn [m1 m2]
                      (reduce-kv (fn [acc k v] (if (contains? acc k) (assoc acc k (f (get acc k) v)) (assoc acc k v)))
                                 (or m1 {}) m2))
                    maps)))

        (defn reduce-kv [f init m]
          (loop [s (seq m) acc init]
            (if (reduced? acc)
              (unreduced acc)
              (if s
                (let [e (first s)] (recur (next s) (f acc (first e) (second e))))
                acc))))

        (defn group-by [f coll]
          (reduce (fn [m x] (let [k (f x)] (assoc m k (conj (get m k []) x)))) {} coll))

        (defn run! [f coll] (reduce (fn [_ x] (f x) nil) nil coll) nil)

        (defn partial
          ([f] f)
          ([f a] (fn [& args] (apply f a args)))
          ([f a b] (fn [& args] (apply f a b args)))
          ([f a b & more] (fn [& args] (apply f a b (concat more args)))))

        (defn comp
          ([] identity)
          ([f] f)
          ([f g] (fn [& args] (f (apply g args))))
          ([f g & fs] (reduce comp (list* f g fs))))

        (defn complement [f] (fn [& args] (not (apply f args))))

        (defn constantly [x] (fn [& _] x))

        (defn juxt [& fs] (fn [& args] (mapv (fn [f] (apply f args)) fs)))

        (defn fnil
          ([f x] (fn [a & args] (apply f (if (nil? a) x a) args)))
          ([f x y] (fn [a b & args] (apply f (if (nil? a) x a) (if (nil? b) y b) args))))

        (defn every-pred [& ps]
          (fn [& args] (every? (fn [p] (every? p args)) ps)))

        (defn some-fn [& ps]
          (fn [& args] (some (fn [p] (some p args)) ps)))

        (defn memoize [f]
          (let [mem (atom {})]
            (fn [& args]
              (let [e (find (deref mem) args)]
                (if e
                  (val e)
                  (let [ret (apply f args)]
                    (swap! mem assoc args ret)
                    ret))))))

        (defn trampoline
          ([f] (let [ret (f)] (if (fn? ret) (trampoline ret) ret)))
          ([f & args] (trampoline (fn [] (apply f args)))))

        (defn max-key
          ([k x] x)
          ([k x & more] (reduce (fn [a b] (if (> (k b) (k a)) b a)) x more)))

        (defn min-key
          ([k x] x)
          ([k x & more] (reduce (fn [a b] (if (< (k b) (k a)) b a)) x more)))

        (defn comparator [pred]
          (fn [x y] (cond (pred x y) -1 (pred y x) 1 :else 0)))

        (defn tree-seq [branch? children root]
          (let [walk (fn walk [node]
                       (lazy-seq
                         (cons node
                               (when (branch? node)
                                 (mapcat walk (children node))))))]
            (walk root)))

        (defn flatten [x]
          (filter (complement sequential?) (rest (tree-seq sequential? seq x))))

        (defn ensure-reduced [x] (if (reduced? x) x (reduced x)))

        (defn cat [rf]
          (fn ([] (rf)) ([result] (rf result))
            ([result input] (reduce (fn [acc x] (let [r (rf acc x)] (if (reduced? r) (reduced r) r))) result input))))

        (defn completing
          ([f] (completing f identity))
          ([f cf] (fn ([] (f)) ([x] (cf x)) ([x y] (f x y)))))

        (defn transduce
          ([xform f coll] (transduce xform f (f) coll))
          ([xform f init coll]
           (let [rf (xform f)]
             (rf (reduce rf init coll)))))

        (defn into-by [to xform from]
          (transduce xform (completing conj) to from))

        (defn sequence
          ([coll] (if (seq? coll) coll (or (seq coll) ())))
          ;; Lazy, as Clojure's (a TransformerIterator): each input goes through the transducer
          ;; into a fresh buffer when the seq is walked that far, so an infinite input is fine.
          ([xform coll]
           (let [rf (xform (fn ([acc] acc) ([acc x] (conj acc x))))
                 step (fn step [s]
                        (lazy-seq
                          (loop [s (seq s)]
                            (if s
                              (let [r (rf [] (first s))]
                                (if (reduced? r)
                                  (seq (rf (unreduced r)))
                                  (if (seq r) (concat r (step (rest s))) (recur (next s)))))
                              (seq (rf []))))))]
             (step coll))))

        (defn eduction [xform coll] (sequence xform coll))

        (defn ffirst [x] (first (first x)))

        (defn fnext [x] (first (next x)))

        (defn nfirst [x] (next (first x)))

        (defn nnext [x] (next (next x)))

        (defn union
          ([] #{})
          ([s] s)
          ([s1 s2] (reduce conj (or s1 #{}) s2))
          ([s1 s2 & sets] (reduce union s1 (cons s2 sets))))

        (defn intersection
          ([s] s)
          ([s1 s2] (reduce (fn [acc x] (if (contains? s2 x) acc (disj acc x))) s1 s1))
          ([s1 s2 & sets] (reduce intersection s1 (cons s2 sets))))

        (defn difference
          ([s] s)
          ([s1 s2] (reduce disj s1 s2))
          ([s1 s2 & sets] (reduce difference s1 (cons s2 sets))))

        (defn subset? [a b] (and (<= (count a) (count b)) (every? (fn [x] (contains? b x)) a)))

        (defn superset? [a b] (subset? b a))

        (defn set-select [pred xset] (reduce (fn [s k] (if (pred k) s (disj s k))) xset xset))

        (defn map-invert [m] (reduce-kv (fn [acc k v] (assoc acc v k)) {} m))

        (defn rename-keys [m kmap]
          (reduce-kv (fn [acc old new] (if (contains? m old) (assoc acc new (get m old)) acc))
                     (apply dissoc m (keys kmap)) kmap))

        (defn set-project [xrel ks] (set (map (fn [x] (select-keys x ks)) xrel)))

        (defn set-index [xrel ks]
          (reduce (fn [m x] (let [ik (select-keys x ks)] (assoc m ik (conj (get m ik #{}) x)))) {} xrel))

        (defn set-rename [xrel kmap] (set (map (fn [x] (rename-keys x kmap)) xrel)))

        (defn set-join
          ([xrel yrel]
           (if (and (seq xrel) (seq yrel))
             (let [ks (intersection (set (keys (first xrel))) (set (keys (first yrel))))
                   [r s] (if (<= (count xrel) (count yrel)) [xrel yrel] [yrel xrel])
                   idx (set-index r ks)]
               (reduce (fn [ret x]
                         (let [found (get idx (select-keys x ks))]
                           (if found (reduce (fn [acc y] (conj acc (merge y x))) ret found) ret)))
                       #{} s))
             #{}))
          ([xrel yrel km]
           (let [[r s k] (if (<= (count xrel) (count yrel)) [xrel yrel (map-invert km)] [yrel xrel km])
                 idx (set-index r (vals k))]
             (reduce (fn [ret x]
                       (let [found (get idx (rename-keys (select-keys x (keys k)) k))]
                         (if found (reduce (fn [acc y] (conj acc (merge y x))) ret found) ret)))
                     #{} s))))

        (defn walk [inner outer form]
          (cond
            (list? form) (outer (apply list (map inner form)))
            (map-entry? form) (outer (vec (map inner form)))
            (seq? form) (outer (doall (map inner form)))
            (record? form) (outer (reduce (fn [r x] (conj r (inner x))) form form))
            (map? form) (outer (into {} (map inner form)))
            (vector? form) (outer (mapv inner form))
            (set? form) (outer (set (map inner form)))
            :else (outer form)))

        (defn postwalk [f form] (walk (partial postwalk f) f form))

        (defn prewalk [f form] (walk (partial prewalk f) identity (f form)))

        (defn keywordize-keys [m]
          (postwalk (fn [x] (if (map? x) (into {} (map (fn [e] (let [k (first e) v (second e)] [(if (string? k) (keyword k) k) v])) x)) x)) m))

        (defn stringify-keys [m]
          (postwalk (fn [x] (if (map? x) (into {} (map (fn [e] (let [k (first e) v (second e)] [(if (keyword? k) (name k) k) v])) x)) x)) m))

        (defn postwalk-replace [smap form] (postwalk (fn [x] (if (contains? smap x) (get smap x) x)) form))

        (defn prewalk-replace [smap form] (prewalk (fn [x] (if (contains? smap x) (get smap x) x)) form))

        ;; clojure.zip, reachable as clojure.zip/next or through (:require [clojure.zip :as z])
        ;; (Builtins maps clojure.zip/x to zip-x). A loc is [node path fns] where Clojure's is
        ;; [node path] with the fns in its metadata: path is nil at the top, :end after the walk,
        ;; else {:l lefts-vector :pnodes parent-nodes :ppath parent-path :r rights-seq :changed? bool}.
        (defn zip-zipper [branch? children make-node root]
          [root nil {:branch? branch? :children children :make-node make-node}])

        (defn zip-seq-zip [root] (zip-zipper seq? identity (fn [node children] children) root))

        (defn zip-vector-zip [root] (zip-zipper vector? seq (fn [node children] (vec children)) root))

        (defn zip-xml-zip [root]
          (zip-zipper (complement string?) (fn [node] (seq (:content node)))
                      (fn [node children] (assoc node :content (and children (apply vector children)))) root))

        (defn zip-node [loc] (nth loc 0))

        (defn zip-branch? [loc] ((:branch? (nth loc 2)) (nth loc 0)))

        (defn zip-children [loc]
          (if (zip-branch? loc)
            ((:children (nth loc 2)) (nth loc 0))
            (throw (Exception. "called children on a leaf node"))))

        (defn zip-make-node [loc node children] ((:make-node (nth loc 2)) node children))

        (defn zip-path [loc] (:pnodes (nth loc 1)))

        (defn zip-lefts [loc] (seq (:l (nth loc 1))))

        (defn zip-rights [loc] (:r (nth loc 1)))

        (defn zip-end? [loc] (= :end (nth loc 1)))

        (defn zip-down [loc]
          (when (zip-branch? loc)
            (let [node (nth loc 0) path (nth loc 1) cs (zip-children loc)]
              (when cs
                [(first cs)
                 {:l [] :pnodes (if path (conj (:pnodes path) node) [node]) :ppath path :r (next cs)}
                 (nth loc 2)]))))

        (defn zip-up [loc]
          (let [node (nth loc 0) path (nth loc 1) pnodes (:pnodes path)]
            (when pnodes
              (let [pnode (peek pnodes) ppath (:ppath path)]
                (if (:changed? path)
                  [(zip-make-node loc pnode (concat (:l path) (cons node (:r path))))
                   (and ppath (assoc ppath :changed? true))
                   (nth loc 2)]
                  [pnode ppath (nth loc 2)])))))

        (defn zip-root [loc]
          (if (= :end (nth loc 1))
            (zip-node loc)
            (let [p (zip-up loc)]
              (if p (zip-root p) (zip-node loc)))))

        (defn zip-right [loc]
          (let [path (nth loc 1) rs (:r path)]
            (when (and path rs)
              [(first rs) (assoc path :l (conj (:l path) (nth loc 0)) :r (next rs)) (nth loc 2)])))

        (defn zip-rightmost [loc]
          (let [path (nth loc 1) r (:r path)]
            (if (and path r)
              [(last r) (assoc path :l (apply conj (:l path) (nth loc 0) (butlast r)) :r nil) (nth loc 2)]
              loc)))

        (defn zip-left [loc]
          (let [path (nth loc 1) l (:l path)]
            (when (and path (seq l))
              [(peek l) (assoc path :l (pop l) :r (cons (nth loc 0) (:r path))) (nth loc 2)])))

        (defn zip-leftmost [loc]
          (let [path (nth loc 1) l (:l path)]
            (if (and path (seq l))
              [(first l) (assoc path :l [] :r (concat (rest l) [(nth loc 0)] (:r path))) (nth loc 2)]
              loc)))

        (defn zip-insert-left [loc item]
          (let [path (nth loc 1)]
            (if (nil? path)
              (throw (Exception. "Insert at top"))
              [(nth loc 0) (assoc path :l (conj (:l path) item) :changed? true) (nth loc 2)])))

        (defn zip-insert-right [loc item]
          (let [path (nth loc 1)]
            (if (nil? path)
              (throw (Exception. "Insert at top"))
              [(nth loc 0) (assoc path :r (cons item (:r path)) :changed? true) (nth loc 2)])))

        (defn zip-replace [loc node]
          [node (assoc (nth loc 1) :changed? true) (nth loc 2)])

        (defn zip-edit [loc f & args] (zip-replace loc (apply f (zip-node loc) args)))

        (defn zip-insert-child [loc item]
          (zip-replace loc (zip-make-node loc (zip-node loc) (cons item (zip-children loc)))))

        (defn zip-append-child [loc item]
          (zip-replace loc (zip-make-node loc (zip-node loc) (concat (zip-children loc) [item]))))

        (defn zip-next [loc]
          (if (= :end (nth loc 1))
            loc
            (or (and (zip-branch? loc) (zip-down loc))
                (zip-right loc)
                (loop [p loc]
                  (if (zip-up p)
                    (or (zip-right (zip-up p)) (recur (zip-up p)))
                    [(zip-node p) :end (nth loc 2)])))))

        (defn zip-prev [loc]
          (if-let [lloc (zip-left loc)]
            (loop [loc lloc]
              (if-let [child (and (zip-branch? loc) (zip-down loc))]
                (recur (zip-rightmost child))
                loc))
            (zip-up loc)))

        (defn zip-remove [loc]
          (let [path (nth loc 1)]
            (if (nil? path)
              (throw (Exception. "Remove at top"))
              (if (pos? (count (:l path)))
                (loop [loc [(peek (:l path)) (assoc path :l (pop (:l path)) :changed? true) (nth loc 2)]]
                  (if-let [child (and (zip-branch? loc) (zip-down loc))]
                    (recur (zip-rightmost child))
                    loc))
                [(zip-make-node loc (peek (:pnodes path)) (:r path))
                 (and (:ppath path) (assoc (:ppath path) :changed? true))
                 (nth loc 2)]))))
        """;

    private static readonly Lazy<(ViewCodeBase Code, Dictionary<string, FunctionCell> Cells)> Compiled = new(Build);

    /// <summary>The prelude's function names: read without analysis, since analysis asks for them.</summary>
    public static IReadOnlySet<string> Names { get; } = SourceReader.Read(Source, "yin.core")
        .Skip(1)
        .Where(f => f.Items[0].IsSymbol("defn"))
        .Select(f => f.Items[1].Symbol!.Name)
        .ToHashSet(StringComparer.Ordinal);

    public static FunctionCell? Cell(string name) => Names.Contains(name) ? Compiled.Value.Cells[name] : null;

    private static (ViewCodeBase, Dictionary<string, FunctionCell>) Build()
    {
        var unit = Analyzer.Analyze(SourceReader.Read(Source, "yin.core"), "yin.core", EmptyCatalog.Instance, allowReserved: true);
        var view = new MemoryDatomView(unit.Nodes);
        var code = new ViewCodeBase(view, prelude: true);
        var cells = new Dictionary<string, FunctionCell>(StringComparer.Ordinal);
        foreach (var name in Names)
            cells[name] = code.Cell(view.Lookup(AstKeys.Definition(AstKeys.PreludeNamespace, name))!.Value);
        return (code, cells);
    }
}
