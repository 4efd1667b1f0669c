;; Runs DataScript's own test files (tonsky/datascript test/datascript/test/*.cljc) against the
;; `datom` CLI. The test files are loaded as written; `datascript.core` (alias d) is replaced by
;; this file's namespace, whose functions build a data directory per database value and run
;; `datom transact`, `datom query`, `datom pull` and `datom datoms` on it. Every `is`/`are` case is
;; recorded with its file, deftest, testing context and outcome; see run.sh.
;;
;; Translation, as a user of datom would write DataScript's data:
;; - every attribute is declared before first use: the type from DataScript's schema (:db.type/ref)
;;   or from its first value, cardinality/unique/isComponent from DataScript's schema;
;; - a positive number in an entity place is an entity: the first time, a tempid "n"; after that
;;   the #id the node minted. Negative numbers and strings are tempids. An entity map without
;;   :db/id gets a tempid, so that every new entity is listed in the acknowledgement;
;; - entities created from tempids are numbered as DataScript numbers them (max + 1, in order of
;;   first appearance); ids in results print back as those numbers.
;; Only a single database per query is supported (the node's own).

(ns datascript.core
  (:refer-clojure :exclude [filter])
  (:require [clojure.string :as str]
            [clojure.edn :as edn]
            [clojure.walk :as walk]
            [clojure.java.io :as io]))

(def datom-bin (or (System/getenv "DATOM") "datom"))
(def work-root (io/file (or (System/getenv "WORK") "/tmp/ds-harness")))

(def tx0 536870912)
(defrecord Eid [s])
(defmethod print-method Eid [e ^java.io.Writer w] (.write w (str "#id \"" (:s e) "\"")))

(defn- sh [args & [input]]
  (let [pb (ProcessBuilder. ^java.util.List (vec args))
        p (.start pb)]
    (with-open [w (io/writer (.getOutputStream p))] (when input (.write w ^String input)))
    (let [out (future (slurp (.getInputStream p)))
          err (future (slurp (.getErrorStream p)))
          rc (.waitFor p)]
      {:rc rc :out @out :err @err})))

(defn- edn-str [x] (binding [*print-namespace-maps* false *print-length* nil *print-level* nil] (pr-str x)))

(defn- fail! [msg] (throw (ex-info (str/trim msg) {:error :datom})))

;; ------------------------------------------------------------------ database values

(deftype Datom [e a v tx added]
  clojure.lang.ILookup
  (valAt [this k] (.valAt this k nil))
  (valAt [_ k nf] (case k :e e :a a :v v :tx tx :added added nf))
  clojure.lang.Indexed
  (nth [_ i] (case (int i) 0 e 1 a 2 v 3 tx 4 added))
  (nth [this i nf] (if (< -1 i 5) (.nth this i) nf))
  clojure.lang.Sequential
  clojure.lang.Seqable
  (seq [_] (seq [e a v tx added]))
  Object
  (equals [_ o] (and (instance? Datom o) (= [e a v] [(:e o) (:a o) (:v o)])))
  (hashCode [_] (hash [e a v]))
  (toString [_] (pr-str [e a v tx added])))
(defmethod print-method Datom [d ^java.io.Writer w] (.write w (str "#datascript/Datom " (vec (seq d)))))

(defn datom ([e a v] (Datom. e a v nil true)) ([e a v tx] (Datom. e a v tx true)) ([e a v tx added] (Datom. e a v tx added)))

;; A database: DataScript's schema, the state of its data directory (nil until first needed).
(defrecord DB [schema state])

(def ^:private counter (atom 0))

(defn- new-dir []
  (let [d (io/file work-root (str "db" (swap! counter inc)))]
    (.mkdirs work-root)
    (let [r (sh [datom-bin "init" "--data" (str d)])]
      (when-not (zero? (:rc r)) (fail! (str "init: " (:err r)))))
    {:dir (str d) :num->id {} :id->num {} :max-eid 0 :attrs {}}))

(defn- copy-state [st]
  (let [d (io/file work-root (str "db" (swap! counter inc)))]
    (sh ["cp" "-r" (:dir st) (str d)])
    (sh ["rm" "-f" (str d "/.lock") (str d "/lock")])
    (assoc st :dir (str d))))

(declare run-tx*)
(defn empty-db ([] (empty-db {}))
  ([schema]
   (let [db (->DB (or schema {}) nil)
         comps (for [[a s] schema :when (contains? s :db/isComponent)] a)]
     (if (seq comps)
       (let [st (new-dir)]
         (run-tx* st (vec (for [a comps :let [s (schema a)]]
                            {:db/ident a :db/valueType (or (:db/valueType s) :db.type/string)
                             :db/cardinality (or (:db/cardinality s) :db.cardinality/one)
                             :db/isComponent (:db/isComponent s)})))
         (->DB schema (reduce #(assoc-in %1 [:attrs %2] (or (:db/valueType (schema %2)) :db.type/string)) st comps)))
       db))))

(defn- attr-schema [schema a] (get schema a))
(defn- ref-attr? [schema a]
  (let [a (if (and (keyword? a) (str/starts-with? (name a) "_")) (keyword (namespace a) (subs (name a) 1)) a)]
    (= :db.type/ref (:db/valueType (attr-schema schema a)))))
(defn- reverse-attr? [a] (and (keyword? a) (str/starts-with? (name a) "_")))
(defn- many? [schema a] (= :db.cardinality/many (:db/cardinality (attr-schema schema a))))

(defn- value-type [v]
  (cond (string? v) :db.type/string
        (int? v) :db.type/long
        (float? v) :db.type/double
        (keyword? v) :db.type/keyword
        (boolean? v) :db.type/boolean
        (symbol? v) :db.type/symbol
        (inst? v) :db.type/instant
        (uuid? v) :db.type/uuid
        :else nil))

;; Translation context while one transaction is rewritten.
(defn- ent [ctx x]
  (cond
    (= :db/current-tx x) "datomic.tx"
    (and (int? x) (pos? x)) (if-let [id (get-in @ctx [:st :num->id x])] id (do (swap! ctx update :explicit conj x) (str "#" x)))
    (int? x) (do (swap! ctx update :temp conj (str "#" x)) (str "#" x))
    (string? x) (do (swap! ctx update :temp conj x) x)
    (and (vector? x) (= 2 (count x)) (keyword? (first x))) [(first x) (second x)]
    :else x))

(defn- note-attr [ctx a v]
  (when (reverse-attr? a)
    (let [fwd (keyword (namespace a) (subs (name a) 1))]
      (when-not (get-in @ctx [:st :attrs fwd])
        (swap! ctx assoc-in [:st :attrs fwd] :db.type/ref) (swap! ctx update :new-attrs conj fwd))))
  (when (and (keyword? a) (not (reverse-attr? a)) (not= "db" (namespace a)) (not (str/starts-with? (str (namespace a)) "db.")))
    (when-not (get-in @ctx [:st :attrs a])
      (let [schema (:schema @ctx)
            t (if (ref-attr? schema a) :db.type/ref (or (value-type v) (when (nil? v) :db.type/long)))]
        (when t (swap! ctx assoc-in [:st :attrs a] t) (swap! ctx update :new-attrs conj a))))))

(declare tx-map)
(defn- tx-value [ctx a v]
  (let [schema (:schema @ctx)]
    (cond
      (map? v) (tx-map ctx v)
      (ref-attr? schema a) (if (and (or (many? schema a) (reverse-attr? a)) (sequential? v) (not (and (= 2 (count v)) (keyword? (first v)))))
                             (mapv #(if (map? %) (tx-map ctx %) (ent ctx %)) v)
                             (ent ctx v))
      :else v)))

(defn- tx-map [ctx m]
  (let [id (if (contains? m :db/id) (ent ctx (:db/id m)) (let [t (str "auto" (swap! counter inc))] (ent ctx t)))]
    (doseq [[a v] m :when (not= a :db/id)]
      (when (reverse-attr? a) (note-attr ctx a nil))
      (let [schema (:schema @ctx)
            vs (if (and (many? schema a) (sequential? v)) v [v])]
        (doseq [x vs :when (not (map? x))] (note-attr ctx a x))
        (when (and (map? v) (not (reverse-attr? a))) (swap! ctx assoc-in [:st :attrs a] :db.type/ref))))
    (into {:db/id id} (for [[a v] m :when (not= a :db/id)] [a (tx-value ctx a v)]))))

(defn- tx-form [ctx f]
  (cond
    (map? f) (tx-map ctx f)
    (instance? Datom f) (tx-form ctx [(if (false? (:added f)) :db/retract :db/add) (:e f) (:a f) (:v f)])
    (sequential? f)
    (let [[op e a & more] f
          op (case op :db.fn/retractEntity :db/retractEntity :db.fn/retractAttribute :db/retract op)]
      (doseq [v (remove nil? more)] (note-attr ctx a v))
      (when (and a (empty? more)) (note-attr ctx a nil))
      (let [retraction? (#{:db/retract :db/retractEntity :db/cas :db.fn/cas} op)
            e' (if (and retraction? (int? e) (pos? e) (not (get-in @ctx [:st :num->id e]))) (->Eid (format "%032x" e)) (ent ctx e))]
        (into [op e'] (concat (when a [a]) (map #(tx-value ctx a %) more)))))
    :else f))

(declare run-tx)
(defn- run-tx* [st forms] (run-tx st forms))
(defn- parse-ack [line]
  (let [tempids (second (re-find #"\"tempids\":\{([^}]*)\}" line))]
    (into {} (for [[_ k v] (re-seq #"\"([^\"]*)\":\"([^\"]*)\"" (or tempids ""))] [k (->Eid v)]))))

(defn- run-tx [st forms]
  (let [r (sh [datom-bin "transact" "--data" (:dir st) "-"] (str (edn-str forms) "\n"))]
    (when-not (zero? (:rc r)) (fail! (str/replace (:err r) #"^datom: (<stdin>:\d+:\d+: )?" "")))
    (parse-ack (:out r))))

(defn- materialize [db] (or (:state db) (new-dir)))

(defn- apply-tx
  "Transacts tx-data on a copy of db's directory; returns [db' tempids] with tempids in
  DataScript's terms."
  [db tx-data]
  (when (some fn? (tree-seq coll? seq tx-data)) (fail! "harness: a function in tx-data (:db.fn/call)"))
  (let [st (copy-state (materialize db))
        ctx (atom {:schema (:schema db) :st st :explicit [] :temp [] :new-attrs []})
        forms (mapv #(tx-form ctx %) tx-data)
        {:keys [new-attrs] st' :st} @ctx
        schema (:schema db)]
    (when (seq new-attrs)
      (run-tx st' (vec (for [a new-attrs
                             :let [s (attr-schema schema a)]]
                         (cond-> {:db/ident a :db/valueType (get-in st' [:attrs a])
                                  :db/cardinality (or (:db/cardinality s) :db.cardinality/one)}
                           (:db/unique s) (assoc :db/unique (:db/unique s))
                           (:db/isComponent s) (assoc :db/isComponent true))))))
    (let [acks (run-tx st' forms)
          {:keys [explicit temp]} @ctx
          st' (reduce (fn [s n] (if-let [id (acks (str "#" n))]
                                  (-> s (assoc-in [:num->id n] id) (assoc-in [:id->num id] n) (update :max-eid max n))
                                  s))
                      st' explicit)
          [st' tempids] (reduce (fn [[s t] k]
                                  (if-let [id (acks k)]
                                    (if-let [n (get-in s [:id->num id])]
                                      [s (assoc t k n)]
                                      (let [n (inc (:max-eid s))]
                                        [(-> s (assoc-in [:num->id n] id) (assoc-in [:id->num id] n) (assoc :max-eid n)) (assoc t k n)]))
                                    [s t]))
                                [st' {}] (remove #{"datomic.tx"} (distinct temp)))
          ds-tempids (into {} (for [[k n] tempids :when (not (str/starts-with? k "auto"))]
                                [(if (str/starts-with? k "#") (parse-long (subs k 1)) k) n]))]
      (let [st' (update st' :tx-count (fnil inc 0))
            txn (+ 536870912 (:tx-count st'))
            tx-id (acks "datomic.tx")
            st' (cond-> st' tx-id (-> (assoc-in [:num->id txn] tx-id) (assoc-in [:id->num tx-id] txn)))]
        [(->DB schema st') (cond-> (assoc ds-tempids :db/current-tx txn)
                             (some #{"datomic.tx"} temp) (assoc "datomic.tx" txn))]))))

(defn db-with [db tx-data] (first (apply-tx db tx-data)))

(defn with ([db tx-data] (with db tx-data nil))
  ([db tx-data _meta]
   (let [[db' tempids] (apply-tx db tx-data)]
     {:db-before db :db-after db' :tempids tempids :tx-data nil})))

(defn create-conn ([] (create-conn {})) ([schema] (atom (empty-db schema))))
(defn conn-from-db [db] (atom db))
(defn db [conn] @conn)
(defn transact! ([conn tx-data] (transact! conn tx-data nil))
  ([conn tx-data meta] (let [r (with @conn tx-data meta)] (reset! conn (:db-after r)) r)))
(defn transact [conn tx-data] (transact! conn tx-data))

;; ------------------------------------------------------------------ reading results

(defn- unid [st x]
  (walk/postwalk #(if (instance? Eid %) (get-in st [:id->num %] %) %) x))

(defn- id-of [st x]
  (cond (and (int? x) (pos? x)) (get-in st [:num->id x] (->Eid (format "%032x" x)))
        (vector? x) (mapv #(id-of st %) x)
        :else x))

(defn- with-big-stack
  "Runs f on a thread with a 1 GiB stack: a 3,000-level pull reads and walks as deep."
  [f]
  (let [result (promise)
        t (Thread. nil #(deliver result (try [:ok (f)] (catch Throwable e [:error e]))) "deep" (* 1024 1024 1024))]
    (.start t)
    (let [[k v] @result] (if (= k :ok) v (throw v)))))

(defn- read-out [st s]
  (with-big-stack
    #(unid st (edn/read-string {:readers {'id ->Eid 'inst (fn [x] (clojure.instant/read-instant-date x))} :default (fn [_ v] v)} s))))

(defn- db? [x] (instance? DB x))

(defn- translate-where [st schema clauses]
  (walk/postwalk
    (fn [c]
      (if (and (vector? c) (<= 2 (count c)) (or (keyword? (second c)) (and (int? (first c)) (symbol? (second c))))
               (not (keyword? (first c))))
        (let [[e a v & more] c
              e' (if (and (int? e) (pos? e)) (id-of st e) e)
              v' (if (and (some? v) (ref-attr? schema a) (int? v)) (id-of st v) v)]
          (into [e' a] (concat (when (> (count c) 2) [v']) more)))
        c))
    clauses))

(defn- translate-query [st schema q]
  (let [q (if (map? q) q q)]
    (if (map? q)
      (update q :where #(translate-where st schema %))
      (let [[before after] (split-with #(not= :where %) q)]
        (into (vec before) (translate-where st schema (vec after)))))))

(defn- relation? [query]
  (let [fs (if (map? query) (:find query) (take-while #(not (keyword? %)) (rest query)))]
    ;; DataScript answers a set, except with aggregates or :with (a bag, as a vector)
    (not (or (some #{'.} fs) (and (= 1 (count fs)) (vector? (first fs)))
             (some #(and (seq? %) (not= 'pull (first %))) fs)
             (if (map? query) (:with query) (some #{:with} query))))))

(defn- entity-vars
  "Variables the query uses as entities: in a data pattern's entity place, in the value place of a
  ref attribute, pulled, or passed to a rule call (DataScript's tests pass entity numbers there)."
  [schema query]
  (let [where (if (map? query) (:where query) (rest (drop-while #(not= :where %) query)))
        find (if (map? query) (:find query) (take-while #(not (keyword? %)) (rest query)))
        acc (atom #{})]
    (walk/postwalk
      (fn [c]
        (when (and (vector? c) (symbol? (first c)) (str/starts-with? (name (first c)) "$") (< 2 (count c)))
          (swap! acc conj (second c)))
        (when (and (vector? c) (<= 2 (count c)) (or (keyword? (second c)) (symbol? (second c))) (symbol? (first c))
                   (str/starts-with? (name (first c)) "?"))
          (swap! acc conj (first c))
          (when (and (ref-attr? schema (second c)) (symbol? (get c 2))) (swap! acc conj (get c 2))))
        (when (and (seq? c) (symbol? (first c)) (not (#{'not 'not-join 'or 'or-join 'and 'pull} (first c))))
          (swap! acc into (clojure.core/filter symbol? (rest c))))
        (when (and (seq? c) (= 'pull (first c))) (swap! acc conj (second c)))
        c)
      [where find])
    @acc))

(defn- translate-input [st evars binding value]
  (cond
    (symbol? binding) (if (and (evars binding) (int? value) (pos? value) (get-in st [:num->id value])) (id-of st value) value)
    (and (vector? binding) (= '... (second binding)) (sequential? value)) (mapv #(translate-input st evars (first binding) %) value)
    (and (vector? binding) (vector? (first binding)) (sequential? value)) (mapv #(translate-input st evars (first binding) %) value)
    (and (vector? binding) (sequential? value)) (mapv #(translate-input st evars %1 %2) binding value)
    :else value))

(defn q [query & inputs]
  (let [query (if (string? query) (edn/read-string query) query)
        dbs (clojure.core/filter db? inputs)
        in (if (map? query) (:in query) (take-while #(not (keyword? %)) (rest (drop-while #(not= :in %) query))))
        in (if (seq in) in ['$])]
    (when (> (count dbs) 1) (fail! "harness: several databases in one query"))
    (when (some (fn [[b v]] (and (symbol? b) (str/starts-with? (name b) "$") (not (db? v)))) (map vector in inputs))
      (fail! "harness: a collection as a data source ($): the CLI queries the node's database"))
    (let [db (or (first dbs) (empty-db))
          st (materialize db)
          evars (entity-vars (:schema db) query)
          args (for [[b v] (map vector in inputs) :when (not (db? v))] (translate-input st evars b v))
          args (concat args (drop (count in) inputs))
          _ (when (some fn? args) (fail! "harness: a function as an input"))
          r (sh (concat [datom-bin "query" "--data" (:dir st) (edn-str (translate-query st (:schema db) query))]
                        (map edn-str args)))]
      (when-not (zero? (:rc r)) (fail! (str/replace (:err r) #"^datom: " "")))
      (let [res (read-out st (:out r))]
        (if (and (relation? query) (sequential? res)) (set res) res)))))

(declare pull*)
(def ^:dynamic *client-xform* false)
(defn pull
  ([db pattern eid] (pull db pattern eid nil))
  ([db pattern eid _opts]
   ;; upsert.cljc reads its results through a pull whose [:ref :xform f] only turns {:db/id n} into
   ;; n: there (only) the harness pulls without it and applies f, as a client would. pull_api.cljc
   ;; tests :xform itself, so it is not emulated there.
   (let [xforms (into {} (for [p (when *client-xform* pattern) :when (map? p) [k _] p
                               :when (and (vector? k) (fn? (get (apply hash-map (rest k)) :xform)))]
                           [(first k) (get (apply hash-map (rest k)) :xform)]))
         pattern (if (seq xforms)
                   (mapv #(if (map? %) (into {} (for [[k v] %] [(if (and (vector? k) (xforms (first k))) (first k) k) v])) %) pattern)
                   pattern)]
     (when (some fn? (tree-seq coll? seq pattern)) (fail! "harness: a function in a pull pattern (:xform)"))
     (some-> (pull* db pattern eid)
             (as-> m (reduce-kv (fn [m a f] (if (contains? m a) (update m a f) m)) m xforms))))))

(defn- pull* [db pattern eid]
  (do
   (let [st (materialize db)
         e (id-of st eid)
         _ (when (nil? e) (fail! "harness: nil entity"))
         r (sh [datom-bin "pull" "--data" (:dir st) (edn-str pattern) (edn-str e)])]
     (when-not (or (zero? (:rc r)) (= "nil" (str/trim (:out r)))) (fail! (str/replace (:err r) #"^datom: " "")))
     (let [res (read-out st (:out r))]
       (if (or (= res {}) (nil? res)) nil res)))))

(defn pull-many [db pattern eids] (mapv #(pull db pattern %) eids))

(defn datoms [db index & components]
  (let [st (materialize db)
        r (sh (concat [datom-bin "datoms" "--data" (:dir st) (name index) "--format" "edn"] (map #(edn-str (id-of st %)) components)))]
    (when-not (zero? (:rc r)) (fail! (str/replace (:err r) #"^datom: " "")))
    (->> (str/split-lines (:out r))
         (remove str/blank?)
         (map #(edn/read-string {:readers {'id ->Eid} :default (fn [_ v] v)} %))
         ;; only the entities DataScript would have: not attributes, not transactions
         (clojure.core/filter #(when-let [n (get-in st [:id->num (first %)])] (< n tx0)))
         (map (fn [[e a v tx added]] (let [[e v] (unid st [e v])] (Datom. e a v tx added)))))))

(defn entity [db eid]
  (when-let [m (pull db '[*] eid)]
    (when (seq (dissoc m :db/id))
      (let [schema (:schema db)]
        (with-meta
          (into {} (for [[a v] m :when (not= a :db/id)]
                     [a (if (and (vector? v) (many? schema a)) (set v) v)]))
          {:db/id (:db/id m)})))))

(defn touch [e] (when e (assoc e :db/id (:db/id (meta e)))))
(defn entity-db [_] (fail! "harness: entity-db"))
(defn init-db
  ([datoms] (init-db datoms {}))
  ([datoms schema] (db-with (empty-db schema) (mapv (fn [d] [:db/add (:e d) (:a d) (:v d)]) datoms))))
(defn filter [& _] (fail! "harness: a function as d/filter's predicate"))
(defn index-range [db attr start end]
  (let [st (materialize db)
        r (sh (concat [datom-bin "datoms" "--data" (:dir st) "avet" (pr-str attr) "--format" "edn"]
                      (when start ["--from" (edn-str start)]) (when end ["--to" (edn-str end)])))]
    (when-not (zero? (:rc r)) (fail! (str/replace (:err r) #"^datom: " "")))
    (->> (str/split-lines (:out r)) (remove str/blank?)
         (map #(edn/read-string {:readers {'id ->Eid} :default (fn [_ v] v)} %))
         (map (fn [[e a v tx added]] (let [[e v] (unid st [e v])] (Datom. e a v tx added)))))))
(defn serializable [db] db)
(defn from-serializable [db] db)
(defn seek-datoms [db index & components]
  (let [st (materialize db)
        r (sh (concat [datom-bin "datoms" "--data" (:dir st) (name index) "--seek" "--format" "edn"] (map #(edn-str (id-of st %)) components)))]
    (when-not (zero? (:rc r)) (fail! (str/replace (:err r) #"^datom: " "")))
    (->> (str/split-lines (:out r)) (remove str/blank?)
         (map #(edn/read-string {:readers {'id ->Eid} :default (fn [_ v] v)} %))
         (clojure.core/filter #(when-let [n (get-in st [:id->num (first %)])] (< n tx0)))
         (map (fn [[e a v tx added]] (let [[e v] (unid st [e v])] (Datom. e a v tx added)))))))
(defn tempid [_part] (str "tmp" (swap! counter inc)))
(defn squuid [] (java.util.UUID/randomUUID))
(defn resolve-tempid [_ tempids t] (get tempids t))
(def ^:dynamic *debug* false)

(ns datascript.db (:require [datascript.core :as dc]))
(def datom dc/datom)
(defn datom? [x] (instance? datascript.core.Datom x))

(ns datascript.impl.entity)
(defn entity? [x] false)

(ns datascript.test.core
  (:require [clojure.test :as t] [clojure.string :as str] [datascript.core :as d]))

(defn- record-thrown [msg form body-fn]
  (try (body-fn)
       (t/do-report {:type :fail :message msg :expected form :actual nil})
       (catch Throwable e
         (if (str/starts-with? (str (.getMessage e)) "harness:")
           (t/do-report {:type :error :message msg :expected form :actual e})
           (t/do-report {:type :pass :message msg :expected form :actual e :throws true})))))

;; DataScript compares exact messages; datom's messages are its own, so a case that expects an
;; error passes when datom refuses too (the report marks it, and the error text is kept).
(defmethod t/assert-expr 'thrown-msg? [msg form]
  (let [[_ _match & body] form]
    `(#'datascript.test.core/record-thrown ~msg '~form (fn [] ~@body))))
(defmethod t/assert-expr 'thrown-with-msg? [msg form]
  (let [[_ _klass _re & body] form]
    `(#'datascript.test.core/record-thrown ~msg '~form (fn [] ~@body))))
(defmethod t/assert-expr 'thrown? [msg form]
  (let [[_ _klass & body] form]
    `(#'datascript.test.core/record-thrown ~msg '~form (fn [] ~@body))))

(defn entity-map [db e]
  (when-let [m (d/entity db e)]
    (-> (into {} (for [[a v] m] [a (cond (map? v) (select-keys v [:db/id])
                                          (set? v) (set (map #(if (map? %) (select-keys % [:db/id]) %) v))
                                          :else v)]))
        (assoc :db/id (:db/id (meta m))))))
(defn all-datoms [db] (into #{} (map (juxt :e :a :v)) (d/datoms db :eavt)))
(defn no-namespace-maps [t] (binding [*print-namespace-maps* false] (t)))

(ns harness
  (:require [clojure.test :as t] [clojure.string :as str] [clojure.java.io :as io]))

(doseq [lib '[datascript.core datascript.db datascript.impl.entity datascript.test.core]]
  (dosync (commute @#'clojure.core/*loaded-libs* conj lib)))

(def results (atom []))
(def ^:dynamic *file-name* nil)

(defn- record [m outcome]
  (swap! results conj {:file *file-name*
                       :test (some-> t/*testing-vars* first meta :name str)
                       :context (str/join " / " (reverse t/*testing-contexts*))
                       :outcome outcome
                       :throws (:throws m)
                       :expected (binding [*print-length* 20 *print-level* 6] (pr-str (:expected m)))
                       :actual (binding [*print-length* 20 *print-level* 6]
                                 (let [a (:actual m)] (if (instance? Throwable a) (str "THROWN: " (.getMessage ^Throwable a)) (pr-str a))))}))

(defn -main [& args]
  (let [[out & files] args]
    (doseq [f files]
      (binding [*file-name* (-> f io/file .getName (str/replace #"\.cljc$" ""))
                datascript.core/*client-xform* (str/ends-with? f "upsert.cljc")
                t/report (fn [m]
                           (case (:type m)
                             :pass (record m :pass)
                             :fail (record m :fail)
                             :error (record m :error)
                             nil))]
        (try
          (load-file f)
          (let [ns-sym (symbol (str "datascript.test." (str/replace *file-name* "_" "-")))]
            (t/test-vars (sort-by #(:line (meta %)) (vals (ns-interns ns-sym)))))
          (catch Throwable e (println "LOAD" f (.getMessage e))))))
    (spit out (pr-str @results))
    (doseq [[f rs] (group-by :file @results)]
      (println f (count (filter #(= :pass (:outcome %)) rs)) "/" (count rs)))))

(apply -main *command-line-args*)
