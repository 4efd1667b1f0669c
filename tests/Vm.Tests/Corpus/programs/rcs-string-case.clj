;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), string-case.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-string-case; the top-level println is in -main.
(ns corpus.rcs-string-case
  (:require [clojure.string]))

;; Task
;; @see https://rosettacode.org/wiki/String_case

(defn swapping-case [s]
  (let [->lower #(+ % 32)
        ->upper #(- % 32)
        lower? #(and (>= % 97) (<= % 122)) ; between \a and \z?
        upper? #(and (>= % 65) (<= % 90))  ; between \A and \Z?
        swap #(cond
                (lower? %) (->upper %)
                (upper? %) (->lower %)
                :else %)]
    (->> (seq s)
         (map (comp char swap int))
         (apply str))))

(defn -main []
  (println
    ((juxt clojure.string/upper-case
           clojure.string/lower-case
           clojure.string/capitalize
           swapping-case)
     "alphaBETA")))
