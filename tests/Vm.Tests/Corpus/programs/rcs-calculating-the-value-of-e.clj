;; Source: hisaitami/rosettacode-solutions, https://github.com/hisaitami/rosettacode-solutions
;;   (commit aa4fe230f378cccc1b3a9957265a57c986ab4cd1), calculating-the-value-of-e.clj: a Rosetta Code task solved in Clojure.
;; Licence: MIT, Copyright (c) 2025 hisaitami.
;; Adapted: namespace corpus.rcs-calculating-the-value-of-e; the top-level println is in -main.
(ns corpus.rcs-calculating-the-value-of-e)

;; Task
;; @see https://rosettacode.org/wiki/Calculating_the_value_of_e

(defn factorial [n]
  (reduce * (range 1 (inc n))))

(def e
  (->> (range 1 20)
       (reduce #(+ %1 (/ 1 (factorial %2))) 1.0)))

(defn -main []
  (println e)
  ;;=> 2.7182818284590455
  )
